package main

// The input rules (README "Input rules"), over the whole application, on
// the embedded backends and on PostgreSQL + Redis: each broken rule is a 400
// with its code, and nothing changes in the database.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/danielgtaylor/huma/v2"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/ent/device"
)

// TestEveryOperationAppliesInputRules: every /api/v1 operation was
// registered with server.Register, so its strings go through package textin.
func TestEveryOperationAppliesInputRules(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	for path, item := range srv.API.OpenAPI().Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post, item.Put, item.Patch, item.Delete} {
			if op != nil && strings.HasPrefix(path, server.APIPrefix+"/") && op.Metadata[server.InputRulesKey] != true {
				t.Errorf("%s %s is registered with huma.Register: use server.Register", op.Method, path)
			}
		}
	}
}

// TestMalformedJSONRefused: duplicate keys, deep nesting, huge numbers,
// trailing data are 400 BAD_REQUEST; wrong types 400 VALIDATION_FAILED.
func TestMalformedJSONRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	path := fmt.Sprintf("/api/v1/reviews/%d", w.review)
	tests := []struct{ name, body, code string }{
		{"duplicate key", `{"rating":1,"rating":2}`, "BAD_REQUEST"},
		{"duplicate nested key", `{"body":"x","spoiler":true,"body":"y"}`, "BAD_REQUEST"},
		{"deep nesting", `{"rating":` + strings.Repeat(`[`, 40) + strings.Repeat(`]`, 40) + `}`, "BAD_REQUEST"},
		{"huge integer", `{"rating":123456789012345678901234567890}`, "BAD_REQUEST"},
		{"integer past int64", `{"rating":9223372036854775808}`, "BAD_REQUEST"},
		{"float overflow", `{"rating":1e400}`, "BAD_REQUEST"},
		{"long number", `{"rating":1.` + strings.Repeat("0", 60) + `}`, "BAD_REQUEST"},
		{"trailing value", `{"rating":2} {"rating":3}`, "BAD_REQUEST"},
		{"wrong type", `{"rating":"2"}`, "VALIDATION_FAILED"},
		{"fractional integer", `{"rating":2.5}`, "VALIDATION_FAILED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			apptest.AssertError(t, w.do(t, "PATCH", path, w.alice.Access, tt.body), http.StatusBadRequest, tt.code)
			r := w.a.DB.Ent.Review.GetX(context.Background(), w.review)
			if r.Rating != 9 || r.Body != "Perfect organism." || r.Spoiler {
				t.Errorf("review changed: %+v", r)
			}
		})
	}
	apptest.AssertStatus(t, w.do(t, "PATCH", path, w.alice.Access, `{"rating":8,"body":"1.5e2 \"quoted\""}`), http.StatusOK)
}

// TestTextRules: control characters, bounds in characters, NFC and trimming
// on single-line and multi-line fields.
func TestTextRules(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	db := w.a.DB.Ent
	nickname := func() string { return db.User.GetX(ctx, w.alice.ID).Nickname }
	bio := func() string { return db.User.GetX(ctx, w.alice.ID).Bio }
	reviewBody := func() string { return db.Review.GetX(ctx, w.review).Body }
	title := func() string { return db.Content.GetX(ctx, w.movie).Title }
	movie := fmt.Sprintf("/api/v1/contents/%d", w.movie)
	review := fmt.Sprintf("/api/v1/reviews/%d", w.review)

	refused := []struct {
		name, method, path, token, body, field string
		unchanged                              func() string
	}{
		{"NUL in a nickname", "PATCH", "/api/v1/users/me", w.alice.Access, `{"nickname":"ad\u0000a"}`, "nickname", nickname},
		{"newline in a nickname", "PATCH", "/api/v1/users/me", w.alice.Access, `{"nickname":"ad\na"}`, "nickname", nickname},
		{"escape in a title", "PATCH", movie, w.admin.Access, `{"title":"\u001b[2JAlien"}`, "title", title},
		{"blank title", "PATCH", movie, w.admin.Access, `{"title":"   "}`, "title", title},
		{"301 characters of title", "PATCH", movie, w.admin.Access, `{"title":"` + strings.Repeat("é", 301) + `"}`, "title", title},
		{"NUL in a review", "PATCH", review, w.alice.Access, `{"body":"fine\u0000"}`, "body", reviewBody},
		{"bell in a review", "PATCH", review, w.alice.Access, `{"body":"ding\u0007"}`, "body", reviewBody},
		{"C1 control in a bio", "PATCH", "/api/v1/users/me", w.alice.Access, `{"bio":"a\u0085b"}`, "bio", bio},
		{"31 characters of nickname", "PATCH", "/api/v1/users/me", w.alice.Access, `{"nickname":"` + strings.Repeat("😀", 31) + `"}`, "nickname", nickname},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.unchanged()
			b := apptest.AssertError(t, w.do(t, tt.method, tt.path, tt.token, tt.body), http.StatusBadRequest, "VALIDATION_FAILED")
			if len(b.Details) != 1 || b.Details[0].Field != tt.field {
				t.Errorf("details = %+v, want the field %s", b.Details, tt.field)
			}
			if after := tt.unchanged(); after != before {
				t.Errorf("%s changed from %q to %q", tt.field, before, after)
			}
		})
	}
	t.Run("refused query parameter", func(t *testing.T) {
		b := apptest.AssertError(t, w.do(t, "GET", "/api/v1/contents?q=ali%00en", "", ""), http.StatusBadRequest, "VALIDATION_FAILED")
		if b.Details[0].Field != "q" {
			t.Errorf("details = %+v", b.Details)
		}
	})

	accepted := []struct {
		name, method, path, token, body, want string
		got                                   func() string
	}{
		{"nickname in NFC, trimmed", "PATCH", "/api/v1/users/me", w.alice.Access, `{"nickname":"  Re\u0301my  "}`, "Rémy", nickname},
		{"30 emoji of nickname", "PATCH", "/api/v1/users/me", w.alice.Access, `{"nickname":"` + strings.Repeat("😀", 30) + `"}`, strings.Repeat("😀", 30), nickname},
		{"300 emoji of title", "PATCH", movie, w.admin.Access, `{"title":"` + strings.Repeat("🎬", 300) + `"}`, strings.Repeat("🎬", 300), title},
		{"lines and tabs in a review", "PATCH", review, w.alice.Access, `{"body":" One.\r\n\tTwo.\rThree. "}`, "One.\n\tTwo.\nThree.", reviewBody},
		{"lines in a bio", "PATCH", "/api/v1/users/me", w.alice.Access, `{"bio":"Sci-fi.\nSlow cinema."}`, "Sci-fi.\nSlow cinema.", bio},
	}
	for _, tt := range accepted {
		t.Run(tt.name, func(t *testing.T) {
			res := w.do(t, tt.method, tt.path, tt.token, tt.body)
			if res.Status != http.StatusOK {
				t.Fatalf("status %d: %s", res.Status, res.Body)
			}
			if got := tt.got(); got != tt.want {
				t.Errorf("stored %q, want %q", got, tt.want)
			}
		})
	}
}

// TestNamesCaseInsensitive: emails and nicknames are unique regardless of
// case, at sign-up and when changing a nickname; login takes any case.
func TestNamesCaseInsensitive(t *testing.T) {
	t.Parallel()
	a := apptest.New(t, featureModules)
	ctx := context.Background()
	signup := func(email, nick string) *apptest.Response {
		return apptest.Do(t, a.App, "POST", "/api/v1/auth/signup", "",
			fmt.Sprintf(`{"email":%q,"password":"correct horse battery","nickname":%q}`, email, nick))
	}
	apptest.AssertStatus(t, signup("Ada@Example.com", "Ada"), http.StatusCreated)
	apptest.AssertError(t, signup("ada@example.com", "someone"), http.StatusConflict, "DUPLICATE_RESOURCE")
	apptest.AssertError(t, signup("ada2@example.com", "aDA"), http.StatusConflict, "DUPLICATE_RESOURCE")
	apptest.AssertError(t, signup("ada3@example.com", " ADA "), http.StatusConflict, "DUPLICATE_RESOURCE")
	if n := a.DB.Ent.User.Query().CountX(ctx); n != 1 {
		t.Fatalf("%d users, want 1", n)
	}
	access, _ := apptest.Login(t, a.App, "ADA@EXAMPLE.COM", "correct horse battery")

	grace := apptest.SignUp(t, a.App)
	res := apptest.Do(t, a.App, "PATCH", "/api/v1/users/me", grace.Access, `{"nickname":"aDa"}`)
	apptest.AssertError(t, res, http.StatusConflict, "DUPLICATE_RESOURCE")
	if got := a.DB.Ent.User.GetX(ctx, grace.ID).Nickname; got != grace.Nickname {
		t.Errorf("grace's nickname changed to %q", got)
	}
	// One's own nickname may change case.
	apptest.AssertStatus(t, apptest.Do(t, a.App, "PATCH", "/api/v1/users/me", access, `{"nickname":"ADA"}`), http.StatusOK)
}

// TestJSONFieldNamesMatchExactly: a key that differs from a field's name
// only in case is not that field. Go's decoder (and huma's validation, by
// default) matched names case-insensitively, so {"email":…,"Email":…} got
// past the duplicate-key rule and signed in as the second address.
func TestJSONFieldNamesMatchExactly(t *testing.T) {
	t.Parallel()
	w := newWorld(t)

	t.Run("a second key in another case does not override the first", func(t *testing.T) {
		body := fmt.Sprintf(`{"email":"nobody@example.com","Email":%q,"password":%q}`, w.alice.Email, w.alice.Password)
		b := apptest.AssertError(t, w.do(t, "POST", "/api/v1/auth/login", "", body), http.StatusBadRequest, "VALIDATION_FAILED")
		assertFieldDetail(t, b, "Email", "unexpected property")
		body = fmt.Sprintf(`{"EMAIL":%q,"PassWord":%q}`, w.alice.Email, w.alice.Password)
		b = apptest.AssertError(t, w.do(t, "POST", "/api/v1/auth/login", "", body), http.StatusBadRequest, "VALIDATION_FAILED")
		assertFieldDetail(t, b, "EMAIL", "unexpected property")
		assertFieldDetail(t, b, "PassWord", "unexpected property")
	})

	// Every operation with a JSON body, every key of its body (nested ones
	// too): the key with its first letter's case changed, and an unknown
	// key beside the others, are each a 400 VALIDATION_FAILED naming it.
	oapi := w.a.API.OpenAPI()
	tested := 0
	for _, o := range documentOperations(oapi) {
		schema := jsonBodySchema(oapi, o.Op)
		if schema == nil {
			continue
		}
		tested++
		t.Run(o.String(), func(t *testing.T) {
			assertClosedObjects(t, oapi, schema, "body")
			sample := sampleValue(oapi, schema)
			keys, objects := objectKeys(sample, nil)
			var cases []objectKey // the key to put in the body, where
			for _, k := range keys {
				cases = append(cases, objectKey{at: k.at, key: swapFirstCase(k.key)})
			}
			for _, at := range objects {
				cases = append(cases, objectKey{at: at, key: "not_a_field"})
			}
			for i, c := range cases {
				body := deepCopy(sample)
				obj := objectAt(body, c.at)
				if i < len(keys) {
					obj[c.key] = obj[keys[i].key]
					delete(obj, keys[i].key)
				} else {
					obj[c.key] = "x"
				}
				raw, err := json.Marshal(body)
				if err != nil {
					t.Fatal(err)
				}
				res := w.do(t, o.Method, concretePath(oapi, o, nil), w.admin.Access, string(raw))
				b := apptest.AssertError(t, res, http.StatusBadRequest, "VALIDATION_FAILED")
				assertFieldDetail(t, b, c.field(c.key), "unexpected property")
			}
		})
	}
	if tested < 20 {
		t.Fatalf("only %d operations with a JSON body found", tested)
	}
}

// assertClosedObjects fails for an object schema, at any depth, that
// accepts properties it does not list (a map): their names could not be
// checked.
func assertClosedObjects(t *testing.T, oapi *huma.OpenAPI, s *huma.Schema, at string) {
	t.Helper()
	s = resolved(oapi, s)
	if s == nil {
		return
	}
	if s.Type == huma.TypeObject && s.AdditionalProperties != false {
		t.Errorf("%s accepts unlisted properties (additionalProperties %v)", at, s.AdditionalProperties)
	}
	for name, p := range s.Properties {
		assertClosedObjects(t, oapi, p, at+"."+name)
	}
	if s.Items != nil {
		assertClosedObjects(t, oapi, s.Items, at+"[]")
	}
}

// swapFirstCase changes the case of the key's first letter.
func swapFirstCase(key string) string {
	r := []rune(key)
	for i, c := range r {
		if unicode.IsLetter(c) {
			if unicode.IsUpper(c) {
				r[i] = unicode.ToLower(c)
			} else {
				r[i] = unicode.ToUpper(c)
			}
			break
		}
	}
	return string(r)
}

// assertFieldDetail fails unless the error details name field with a reason
// containing reason.
func assertFieldDetail(t *testing.T, b apptest.ErrorBody, field, reason string) {
	t.Helper()
	for _, d := range b.Details {
		if d.Field == field && strings.Contains(d.Reason, reason) {
			return
		}
	}
	t.Errorf("details %+v do not name %s (%s)", b.Details, field, reason)
}

// TestBrokenTextRefused: text that is not UTF-8, in a JSON body (raw bytes,
// or the escape of half a surrogate pair, which Go's decoder would both
// store as U+FFFD), a query or a path parameter, is a 400 and nothing is
// stored.
func TestBrokenTextRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	bio := func() string {
		var me struct{ Bio string }
		res := w.do(t, "GET", "/api/v1/users/me", w.alice.Access, "")
		apptest.AssertStatus(t, res, http.StatusOK)
		res.JSON(t, &me)
		return me.Bio
	}
	apptest.AssertStatus(t, w.do(t, "PATCH", "/api/v1/users/me", w.alice.Access, `{"bio":"Before."}`), http.StatusOK)

	for name, tt := range map[string]struct{ body, where string }{
		"invalid byte":              {"{\"bio\":\"abc\xff\"}", "bio"},
		"truncated sequence":        {"{\"bio\":\"abc\xe2\x82\"}", "bio"},
		"encoded surrogate":         {"{\"bio\":\"\xed\xa0\x80\"}", "bio"},
		"overlong encoding":         {"{\"bio\":\"\xc0\xaf\"}", "bio"},
		"invalid byte in a key":     {"{\"bio\xff\":\"abc\"}", "a key of the body"},
		"lone high surrogate":       {`{"bio":"abc\ud800"}`, `(\ud800)`},
		"lone low surrogate":        {`{"bio":"\uDC00abc"}`, `(\uDC00)`},
		"high surrogate, no low":    {`{"bio":"\ud83d\u0041"}`, `(\ud83d)`},
		"two high surrogates":       {`{"bio":"\ud83d\ud83d\ude00"}`, `(\ud83d)`},
		"lone surrogate in a key":   {`{"bio":"x","\ud800":"y"}`, "a key of the body"},
		"surrogate after backslash": {`{"bio":"\\\ud800"}`, `(\ud800)`},
	} {
		t.Run(name, func(t *testing.T) {
			b := apptest.AssertError(t, w.do(t, "PATCH", "/api/v1/users/me", w.alice.Access, tt.body), http.StatusBadRequest, "BAD_REQUEST")
			if !strings.Contains(b.Message, tt.where) {
				t.Errorf("message %q does not say where (%s)", b.Message, tt.where)
			}
			if got := bio(); got != "Before." {
				t.Errorf("bio changed to %q", got)
			}
		})
	}
	t.Run("characters outside the BMP, escaped or not", func(t *testing.T) {
		apptest.AssertStatus(t, w.do(t, "PATCH", "/api/v1/users/me", w.alice.Access, `{"bio":"\ud83c\udfac \\ud800 🎬"}`), http.StatusOK)
		if got := bio(); got != `🎬 \ud800 🎬` {
			t.Errorf("bio = %q", got)
		}
	})

	// Parameters: percent-encoded in a query, raw bytes on the wire (Fiber
	// hands path parameters over undecoded).
	t.Run("query parameter", func(t *testing.T) {
		b := apptest.AssertError(t, w.do(t, "GET", "/api/v1/contents?q=ali%FFen", "", ""), http.StatusBadRequest, "VALIDATION_FAILED")
		assertFieldDetail(t, b, "q", "UTF-8")
	})
	addr := apptest.Listen(t, w.a.App)
	for name, target := range map[string]string{
		"raw query parameter": "/api/v1/contents?q=ali\xffen",
		"raw path parameter":  "/api/v1/users/me/devices/" + w.aliceDevice + "\xff",
	} {
		t.Run(name, func(t *testing.T) {
			method := "GET"
			if strings.Contains(target, "devices") {
				method = "DELETE"
			}
			res := apptest.SendRaw(t, addr, method+" "+target+" HTTP/1.1\r\nHost: reelview.test\r\nAuthorization: Bearer "+w.alice.Access+"\r\n\r\n")
			b := apptest.AssertError(t, res, http.StatusBadRequest, "VALIDATION_FAILED")
			if len(b.Details) != 1 || !strings.Contains(b.Details[0].Reason, "UTF-8") {
				t.Errorf("details = %+v", b.Details)
			}
		})
	}
	if n := w.a.DB.Ent.Device.Query().Where(device.Token(w.aliceDevice)).CountX(context.Background()); n != 1 {
		t.Errorf("alice's device is gone (%d)", n)
	}
}

// TestNumericParametersArePlainDecimals: every numeric query, path and
// header parameter of every operation (each item of an array too) takes
// plain decimals only. strconv would take NaN (min_rating=NaN matched every
// title), infinities, hex floats, exponents, digit separators and a "+".
func TestNumericParametersArePlainDecimals(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	oapi := w.a.API.OpenAPI()
	bad := []string{"NaN", "nan", "Inf", "+Inf", "-Infinity", "0x1p3", "0x10", "0b101", "1_000", "1e3", "+5", ".5", "5.", "5..1", "--5", " 5", "5 ", "٣"}
	tested := 0
	for _, o := range documentOperations(oapi) {
		for _, p := range o.Op.Parameters {
			s := resolved(oapi, p.Schema)
			typ := s.Type
			if typ == huma.TypeArray {
				typ = resolved(oapi, s.Items).Type
			}
			if typ != huma.TypeInteger && typ != huma.TypeNumber {
				continue
			}
			tested++
			t.Run(o.String()+" "+p.Name, func(t *testing.T) {
				values := bad
				if s.Type == huma.TypeArray {
					values = append(slices.Clip(values), "1,NaN", "2,+5")
				}
				good := fmt.Sprint(sampleValue(oapi, s))
				if s.Type == huma.TypeArray {
					good = fmt.Sprint(sampleValue(oapi, s.Items))
				}
				if typ == huma.TypeNumber {
					values = append(slices.Clip(values), "7.5e0")
					good = "7.5"
				} else {
					values = append(slices.Clip(values), "7.5")
				}
				send := func(v string) *apptest.Response {
					req := apptest.Request{Method: o.Method, Token: w.admin.Access, Path: concretePath(oapi, o, nil)}
					switch p.In {
					case "query":
						req.Path += "?" + url.Values{p.Name: {v}}.Encode()
					case "path":
						req.Path = concretePath(oapi, o, map[string]string{p.Name: url.PathEscape(v)})
					case "header":
						req.Header = map[string]string{p.Name: v}
					}
					return apptest.Send(t, w.a.App, req)
				}
				for _, v := range values {
					b := apptest.AssertError(t, send(v), http.StatusBadRequest, "VALIDATION_FAILED")
					assertFieldDetail(t, b, p.Name, "")
				}
				if res := send(good); res.Status == http.StatusBadRequest {
					var b apptest.ErrorBody
					res.JSON(t, &b)
					for _, d := range b.Details {
						if d.Field == p.Name {
							t.Errorf("%s=%s refused: %s", p.Name, good, d.Reason)
						}
					}
				}
			})
		}
	}
	if tested < 30 {
		t.Fatalf("only %d numeric parameters found", tested)
	}
	t.Run("min_rating=NaN does not match every title", func(t *testing.T) {
		b := apptest.AssertError(t, w.do(t, "GET", "/api/v1/contents?min_rating=NaN", "", ""), http.StatusBadRequest, "VALIDATION_FAILED")
		assertFieldDetail(t, b, "min_rating", "plain decimal")
	})
	t.Run("after the operation's own checks, as huma's validation", func(t *testing.T) {
		assertUnauthorized(t, w.do(t, "GET", "/api/v1/admin/users?page=NaN", "", ""))
		assertDenied(t, w.do(t, "GET", "/api/v1/admin/users?page=NaN", w.alice.Access, ""))
	})
}
