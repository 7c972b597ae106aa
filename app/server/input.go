package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/reelview/reelview/app/textin"
)

// InputRulesKey marks, in huma.Operation.Metadata, the operations registered
// through Register, whose input goes through the text rules (a test checks
// that every operation does).
const InputRulesKey = "x-reelview-input-rules"

// Register is huma.Register with the input rules of package textin applied
// to the decoded input before the handler runs: strings normalised to NFC
// and trimmed, control characters refused, lengths checked in runes after
// normalisation. A broken rule is a 400 VALIDATION_FAILED naming the field.
func Register[I, O any](api huma.API, op huma.Operation, handler func(context.Context, *I) (*O, error)) {
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata[InputRulesKey] = true
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
// does not fit an int64 (integers) or a finite float64, or text after the
// value is refused before it is decoded (huma answers 400 BAD_REQUEST). Go's
// decoder would keep the last duplicate, which a proxy or another parser in
// front of the API may read differently.
func strictUnmarshal(data []byte, v any) error {
	if err := checkJSON(data); err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// CheckJSON applies the structural rules of the API's JSON bodies (no
// duplicate key, bounded nesting and numbers, one value) to JSON that an
// operation reads itself, such as an uploaded file.
func CheckJSON(data []byte) error { return checkJSON(data) }

// checkJSON walks the tokens of one JSON value and reports the first
// structural problem.
func checkJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		object bool
		keys   map[string]bool
		key    bool // the next string token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.key {
			key, _ := tok.(string) // the decoder only yields strings or '}' here
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				continue
			}
			if top.keys[key] {
				return fmt.Errorf("duplicate key %q", key)
			}
			top.keys[key] = true
			top.key = false
			continue
		}
		if top != nil && top.object {
			top.key = true // a value was read: a key or '}' follows
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if len(stack) == maxJSONDepth {
					return fmt.Errorf("nested deeper than %d levels", maxJSONDepth)
				}
				stack = append(stack, &frame{object: t == '{', keys: map[string]bool{}, key: t == '{'})
			default:
				stack = stack[:len(stack)-1]
			}
		case json.Number:
			if err := checkNumber(t); err != nil {
				return err
			}
		}
		if len(stack) == 0 && dec.More() {
			return errors.New("text after the JSON value")
		}
	}
	return nil
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
