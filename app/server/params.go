package server

import (
	"net/http"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
	"github.com/gofiber/fiber/v2"
)

// checkedParam is a parameter whose raw text paramRules checks.
type checkedParam struct {
	in, name string
	numeric  string // huma.TypeInteger or huma.TypeNumber (of the items of an array), or ""
	array    bool
	explode  bool
}

// paramRules is the operation middleware (added by Register, after the
// operation's own middleware, as huma's validation of parameters runs after
// it) that checks the raw text of the query, path and header parameters
// before huma parses them:
//
//   - numbers are plain decimals: huma parses them with strconv, which also
//     takes "NaN", "Inf", "0x1p3", "1_000", "1e3" or "+5" for floats (and
//     "+5" for integers), so min_rating=NaN matched every title;
//   - query and path parameters are UTF-8 (whatever their type).
//
// Every offending parameter is a 400 VALIDATION_FAILED naming it. Each
// value of a repeated query parameter is checked, and each item of an
// array.
func paramRules(api huma.API) huma.Middlewares {
	var (
		once   sync.Once
		params []checkedParam
	)
	return huma.Middlewares{func(hc huma.Context, next func(huma.Context)) {
		once.Do(func() { params = checkedParams(hc.Operation()) })
		if len(params) == 0 {
			next(hc)
			return
		}
		c := humafiber.Unwrap(hc)
		var errs []error
		for _, p := range params {
			for _, v := range p.values(c) {
				if reason := p.check(v); reason != "" {
					errs = append(errs, &huma.ErrorDetail{Location: p.in + "." + p.name, Message: reason, Value: v})
					break
				}
			}
		}
		if len(errs) > 0 {
			_ = huma.WriteErr(api, hc, http.StatusUnprocessableEntity, "validation failed", errs...)
			return
		}
		next(hc)
	}}
}

// checkedParams lists the operation's parameters that paramRules checks.
func checkedParams(op *huma.Operation) []checkedParam {
	var ps []checkedParam
	for _, p := range op.Parameters {
		if p.Schema == nil || p.In != "query" && p.In != "path" && p.In != "header" {
			continue
		}
		cp := checkedParam{in: p.In, name: p.Name, explode: p.Explode != nil && *p.Explode}
		typ := p.Schema.Type
		if typ == huma.TypeArray && p.Schema.Items != nil {
			cp.array, typ = true, p.Schema.Items.Type
		}
		if typ == huma.TypeInteger || typ == huma.TypeNumber {
			cp.numeric = typ
		}
		if cp.numeric != "" || p.In != "header" {
			ps = append(ps, cp)
		}
	}
	return ps
}

// values returns the raw values of the parameter in the request: each item
// of an array, each value of a repeated query parameter.
func (p checkedParam) values(c *fiber.Ctx) []string {
	var raw []string
	switch p.in {
	case "query":
		for _, v := range c.Context().QueryArgs().PeekMulti(p.name) {
			raw = append(raw, string(v))
		}
	case "path":
		raw = []string{c.Params(p.name)}
	case "header":
		raw = []string{c.Get(p.name)}
	}
	if !p.array || p.explode {
		return raw
	}
	var items []string
	for _, v := range raw {
		items = append(items, strings.Split(v, ",")...)
	}
	return items
}

// check returns why the raw value v breaks a rule, or "". An empty value
// is left to huma (an absent parameter).
func (p checkedParam) check(v string) string {
	switch {
	case v == "":
		return ""
	case p.in != "header" && !utf8.ValidString(v):
		return "must be valid UTF-8"
	case p.numeric == huma.TypeInteger && !plainDecimal(v, false):
		return "must be a plain decimal integer such as 42"
	case p.numeric == huma.TypeNumber && !plainDecimal(v, true):
		return "must be a plain decimal number such as 7 or 7.5"
	}
	return ""
}

// plainDecimal reports whether s is an optional minus sign, digits and,
// when fraction allows it, a point and more digits: no sign "+", exponent,
// base prefix, digit separator, NaN or infinity.
func plainDecimal(s string, fraction bool) bool {
	s = strings.TrimPrefix(s, "-")
	whole, frac, dot := strings.Cut(s, ".")
	return digits(whole) && (!dot || fraction && digits(frac))
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
