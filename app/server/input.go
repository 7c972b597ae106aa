package server

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"github.com/reelview/reelview/app/textin"
)

// InputRulesKey marks, in huma.Operation.Metadata, the operations registered
// through Register, whose input goes through the text rules (a test checks
// that every operation does).
const InputRulesKey = "x-reelview-input-rules"

// Register is huma.Register with the input rules applied: the raw text of
// parameters is checked before huma parses it (paramRules: plain decimal
// numbers, UTF-8), and the rules of package textin are applied to the
// decoded input before the handler runs: strings normalised to NFC and
// trimmed, control characters refused, lengths checked in runes after
// normalisation. A broken rule is a 400 VALIDATION_FAILED naming the field.
func Register[I, O any](api huma.API, op huma.Operation, handler func(context.Context, *I) (*O, error)) {
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata[InputRulesKey] = true
	op.Middlewares = append(slices.Clip(op.Middlewares), paramRules(api)...)
	huma.Register(api, op, func(ctx context.Context, in *I) (*O, error) {
		if err := textin.Clean(in); err != nil {
			return nil, err
		}
		return handler(ctx, in)
	})
}

// Bounds of a JSON request body beyond its size: no body of this API nests
// deeper than a few levels or needs numbers wider than int64 and float64.
const (
	maxJSONDepth        = 32
	maxJSONNumberDigits = 40
)

// strictUnmarshal is the decoder of the API's JSON format (jsonFormat): a
// body with a duplicate key, nesting deeper than maxJSONDepth, a number that
// does not fit an int64 (integers) or a finite float64, text that is not
// UTF-8 (or escapes a lone surrogate), or text after the value is refused
// before it is decoded (huma answers 400 BAD_REQUEST). Go's decoder would
// keep the last duplicate, which a proxy or another parser in front of the
// API may read differently, and would store U+FFFD for broken text.
func strictUnmarshal(data []byte, v any) error {
	if err := checkJSON(data); err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// CheckJSON applies the structural rules of the API's JSON bodies (no
// duplicate key, bounded nesting and numbers, UTF-8 text, one value) to
// JSON that an operation reads itself, such as an uploaded file.
func CheckJSON(data []byte) error { return checkJSON(data) }

// jsonFrame is one open object or array of the value checkJSON walks.
type jsonFrame struct {
	object bool
	keys   map[string]bool
	key    bool   // object: the next token is a key or '}'
	name   string // object: the last key read
	values int    // array: the values started so far
}

// checkJSON walks the tokens of one JSON value and reports the first
// structural problem.
func checkJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	// The decoder turns invalid UTF-8 and escaped lone surrogates into
	// U+FFFD: strings are checked in the raw text, when it can hold either.
	checkText := !utf8.Valid(data) || bytes.Contains(data, []byte(`\u`))
	var stack []*jsonFrame
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		var top *jsonFrame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '}' || t == ']' {
				stack = stack[:len(stack)-1]
				break
			}
			valueStarts(top)
			if len(stack) == maxJSONDepth {
				return fmt.Errorf("nested deeper than %d levels", maxJSONDepth)
			}
			stack = append(stack, &jsonFrame{object: t == '{', keys: map[string]bool{}, key: t == '{'})
		case string:
			if top != nil && top.object && top.key { // a key
				if checkText {
					if err := checkString(data[start:dec.InputOffset()]); err != nil {
						parent := jsonPath(stack[:len(stack)-1])
						if parent != "the body" {
							parent = "the object " + parent
						}
						return fmt.Errorf("%w in a key of %s", err, parent)
					}
				}
				if top.keys[t] {
					return fmt.Errorf("duplicate key %q", t)
				}
				top.keys[t] = true
				top.key, top.name = false, t
				continue
			}
			valueStarts(top)
			if checkText {
				if err := checkString(data[start:dec.InputOffset()]); err != nil {
					return fmt.Errorf("%w in %s", err, jsonPath(stack))
				}
			}
		case json.Number:
			valueStarts(top)
			if err := checkNumber(t); err != nil {
				return err
			}
		default: // true, false, null
			valueStarts(top)
		}
		if len(stack) == 0 && dec.More() {
			return errors.New("text after the JSON value")
		}
	}
	return nil
}

// valueStarts records that a value begins inside top (nil at the top level).
func valueStarts(top *jsonFrame) {
	switch {
	case top == nil:
	case top.object:
		top.key = true // a key or '}' follows
	default:
		top.values++
	}
}

// jsonPath names the place of the value being read, as error details name
// fields ("items[1].note"), or "the body" at the top level.
func jsonPath(stack []*jsonFrame) string {
	var b strings.Builder
	for _, f := range stack {
		if !f.object {
			fmt.Fprintf(&b, "[%d]", f.values-1)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(f.name)
	}
	if b.Len() == 0 {
		return "the body"
	}
	return b.String()
}

// checkString refuses invalid UTF-8 and \u escapes of lone surrogates in
// the raw text of one string token (raw may start with the whitespace and
// separator before it). The decoder has checked the escapes' syntax.
func checkString(raw []byte) error {
	s := raw[bytes.IndexByte(raw, '"')+1:]
	if !utf8.Valid(s) {
		return errors.New("invalid UTF-8")
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			continue
		}
		i++ // the escaped character
		if s[i] != 'u' {
			continue
		}
		r := hexRune(s[i+1 : i+5])
		escape := s[i-1 : i+5]
		i += 4
		if !utf16.IsSurrogate(r) {
			continue
		}
		if r < 0xdc00 && i+6 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
			if low := hexRune(s[i+3 : i+7]); low >= 0xdc00 && low <= 0xdfff {
				i += 6 // a high and a low surrogate: one character
				continue
			}
		}
		return fmt.Errorf("a lone surrogate (%s), which is not a character,", escape)
	}
	return nil
}

// hexRune reads the four hex digits of a \u escape.
func hexRune(digits []byte) rune {
	var b [2]byte
	_, _ = hex.Decode(b[:], digits)
	return rune(b[0])<<8 | rune(b[1])
}

// checkNumber refuses numbers no field of the API can hold.
func checkNumber(n json.Number) error {
	s := n.String()
	if len(s) > maxJSONNumberDigits {
		return fmt.Errorf("number %.20s… is too long", s)
	}
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return nil
	}
	if bytes.ContainsAny([]byte(s), ".eE") {
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return nil
		}
	}
	return fmt.Errorf("number %s is out of range", s)
}
