// Package textin applies the input rules for text to decoded requests: every
// string of a query, path or JSON body field is put in Unicode NFC, trimmed,
// checked for control characters and bounded in characters (runes) again
// after normalisation.
//
// The rules follow struct tags of the huma input types:
//
//   - a plain string is single-line: no control character at all;
//   - `text:"multiline"` allows line feeds and tabs (CR LF and CR become LF);
//   - `format:"password"` is a secret: passed on byte for byte, untouched;
//   - `minLength` / `maxLength` are checked again on the result, in runes;
//   - headers and cookies are left alone.
package textin

import (
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"

	"github.com/reelview/reelview/app/apperr"
)

// Clean applies the rules to the input struct in (a pointer) in place and
// returns the first violation as a VALIDATION_FAILED error naming the field.
func Clean(in any) error {
	v := reflect.ValueOf(in)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	return cleanParams(v.Elem())
}

// cleanParams cleans the parameters and the body of an input struct, and
// of the parameter structs it embeds (page, cursor).
func cleanParams(v reflect.Value) error {
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		var name string
		switch {
		case sf.Anonymous && sf.Type.Kind() == reflect.Struct:
			if err := cleanParams(v.Field(i)); err != nil {
				return err
			}
			continue
		case !sf.IsExported():
			continue
		case sf.Tag.Get("query") != "":
			name = tagName(sf.Tag.Get("query"))
		case sf.Tag.Get("path") != "":
			name = tagName(sf.Tag.Get("path"))
		case sf.Name == "Body":
			name = ""
		default:
			continue // headers, cookies, raw bodies, resolvers' state
		}
		if err := clean(v.Field(i), sf.Tag, name); err != nil {
			return err
		}
	}
	return nil
}

// clean walks one value; field is the client-facing name ("" for the body).
func clean(v reflect.Value, tag reflect.StructTag, field string) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return clean(v.Elem(), tag, field)
	case reflect.String:
		s, err := Text(v.String(), tag)
		if err != nil {
			return apperr.Validation(field, err.Error())
		}
		if v.CanSet() {
			v.SetString(s)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := clean(v.Index(i), tag, field+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			name := tagName(sf.Tag.Get("json"))
			if name == "-" {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			if field != "" {
				name = field + "." + name
			}
			if err := clean(v.Field(i), sf.Tag, name); err != nil {
				return err
			}
		}
	}
	return nil
}

func tagName(tag string) string {
	name, _, _ := strings.Cut(tag, ",")
	return name
}

// ruleError is a broken rule, said to the client as the reason.
type ruleError string

func (e ruleError) Error() string { return string(e) }

// Text applies the rules the struct tag selects to one string and returns it
// normalised.
func Text(s string, tag reflect.StructTag) (string, error) {
	if tag.Get("format") == "password" {
		return s, nil
	}
	if !utf8.ValidString(s) {
		return "", ruleError("must be valid UTF-8")
	}
	multiline := tag.Get("text") == "multiline"
	s = norm.NFC.String(s)
	if multiline {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	}
	s = strings.TrimSpace(s)
	for _, r := range s {
		if unicode.IsControl(r) && (!multiline || r != '\n' && r != '\t') {
			if multiline {
				return "", ruleError("must not contain control characters other than line feeds and tabs")
			}
			return "", ruleError("must be a single line without control characters")
		}
	}
	n := utf8.RuneCountInString(s)
	if minLen, err := strconv.Atoi(tag.Get("minLength")); err == nil && n < minLen {
		return "", ruleError("must be at least " + strconv.Itoa(minLen) + " characters long once trimmed")
	}
	if maxLen, err := strconv.Atoi(tag.Get("maxLength")); err == nil && n > maxLen {
		return "", ruleError("must be at most " + strconv.Itoa(maxLen) + " characters long")
	}
	return s, nil
}

// Invisible reports whether r is drawn as nothing: a format character
// (Unicode Cf: zero-width space, joiner and non-joiner, bidi controls, soft
// hyphen, tags …) or another default-ignorable code point (variation
// selectors, Hangul fillers, combining grapheme joiner …). Names must not
// contain any: "ad\u200da" would look like "ada".
func Invisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) ||
		unicode.Is(unicode.Variation_Selector, r)
}

// HasInvisible reports whether s contains an Invisible character.
func HasInvisible(s string) bool { return strings.ContainsFunc(s, Invisible) }

// Fold is the form in which two names (nicknames, email addresses) compare
// equal when they look alike: the comparison key of the PRECIS Nickname
// profile (RFC 8266, golang.org/x/text/secure/precis), that is full-width
// and half-width forms folded, non-ASCII spaces mapped to one ASCII space
// and runs of spaces collapsed, Unicode lower case and NFKC, repeated until
// stable, of s without its invisible characters. "ＡＤＡ", "ada" and
// "ad\u200da" fold alike. A string the profile refuses (CheckName) folds to
// the lower case of its NFKC form.
//
// The profile fits both kinds of name: UsernameCaseMapped would refuse the
// spaces and symbols nicknames may have, and folds only width, not the
// other compatibility forms (ℌ, 𝐚, ﬁ) that NFKC maps. Migrations that
// recompute stored keys on PostgreSQL repeat these steps in SQL.
func Fold(s string) string {
	s = strings.Map(func(r rune) rune {
		if Invisible(r) {
			return -1
		}
		return r
	}, s)
	if k, err := precis.Nickname.CompareKey(s); err == nil {
		return k
	}
	return strings.ToLower(norm.NFKC.String(s))
}

// CheckName checks a new name (nickname, email address): no invisible
// characters, and nothing the PRECIS Nickname profile refuses (controls,
// unassigned code points, …). The error is the reason, safe to show.
func CheckName(s string) error {
	if HasInvisible(s) {
		return ruleError("must not contain invisible characters (zero-width, joiners, direction marks …)")
	}
	if _, err := precis.Nickname.CompareKey(s); err != nil {
		return ruleError("must contain only letters, digits, punctuation, symbols and spaces")
	}
	return nil
}
