package main

// Helpers for tests that walk every operation of the OpenAPI document and
// send it requests built from its schemas.

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// docOperation is one operation of the OpenAPI document.
type docOperation struct {
	Method, Path string
	Op           *huma.Operation
}

func (o docOperation) String() string { return o.Method + " " + o.Path }

// documentOperations lists the document's operations, sorted by path and method.
func documentOperations(oapi *huma.OpenAPI) []docOperation {
	var ops []docOperation
	for path, item := range oapi.Paths {
		for method, op := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post,
			"PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete} {
			if op != nil {
				ops = append(ops, docOperation{Method: method, Path: path, Op: op})
			}
		}
	}
	slices.SortFunc(ops, func(a, b docOperation) int { return strings.Compare(a.String(), b.String()) })
	return ops
}

// resolved follows a schema's $ref.
func resolved(oapi *huma.OpenAPI, s *huma.Schema) *huma.Schema {
	for s != nil && s.Ref != "" {
		s = oapi.Components.Schemas.SchemaFromRef(s.Ref)
	}
	return s
}

// jsonBodySchema is the schema of the operation's application/json body
// when it describes an object with properties (nil otherwise: no body, or
// a file read by the operation itself).
func jsonBodySchema(oapi *huma.OpenAPI, op *huma.Operation) *huma.Schema {
	if op.RequestBody == nil || op.RequestBody.Content["application/json"] == nil {
		return nil
	}
	s := resolved(oapi, op.RequestBody.Content["application/json"].Schema)
	if s == nil || len(s.Properties) == 0 {
		return nil
	}
	return s
}

// sampleValue is a value of the schema's type, valid where that is easy
// (examples, enums, minimums); tests use it to fill in the rest of a body
// around the field they break.
func sampleValue(oapi *huma.OpenAPI, s *huma.Schema) any {
	s = resolved(oapi, s)
	switch {
	case s == nil:
		return nil
	case len(s.Examples) > 0:
		return s.Examples[0]
	case len(s.Enum) > 0:
		return s.Enum[0]
	}
	switch s.Type {
	case huma.TypeObject:
		obj := map[string]any{}
		for name, p := range s.Properties {
			obj[name] = sampleValue(oapi, p)
		}
		return obj
	case huma.TypeArray:
		return []any{sampleValue(oapi, s.Items)}
	case huma.TypeInteger, huma.TypeNumber:
		switch {
		case s.Minimum != nil && s.Type == huma.TypeInteger:
			return int64(*s.Minimum) // printed as digits, not as 9.007e+15
		case s.Minimum != nil:
			return *s.Minimum
		}
		return 1
	case huma.TypeBoolean:
		return false
	case huma.TypeString:
		switch s.Format {
		case "date":
			return "2026-01-02"
		case "date-time":
			return "2026-01-02T03:04:05Z"
		case "email":
			return "someone@example.com"
		case "uri":
			return "https://example.com/a.png"
		}
		return "sample"
	}
	return nil
}

// objectKey is one key of a JSON object inside a sample value: the path of
// the object (keys and indexes) and the key.
type objectKey struct {
	at  []any
	key string
}

// field is the key as the API's error details name it ("bio",
// "items[0].note").
func (k objectKey) field(key string) string {
	var b strings.Builder
	for _, step := range k.at {
		switch s := step.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s)
		case int:
			fmt.Fprintf(&b, "[%d]", s)
		}
	}
	if b.Len() > 0 {
		b.WriteByte('.')
	}
	return b.String() + key
}

// objectKeys lists every key of every object in v, nested ones and those of
// objects in arrays included, with the path of the object holding it;
// objects lists the objects themselves (their paths).
func objectKeys(v any, at []any) (keys []objectKey, objects [][]any) {
	switch x := v.(type) {
	case map[string]any:
		objects = append(objects, at)
		for _, name := range slices.Sorted(maps.Keys(x)) {
			keys = append(keys, objectKey{at: at, key: name})
			k, o := objectKeys(x[name], append(slices.Clip(at), name))
			keys, objects = append(keys, k...), append(objects, o...)
		}
	case []any:
		for i, item := range x {
			k, o := objectKeys(item, append(slices.Clip(at), i))
			keys, objects = append(keys, k...), append(objects, o...)
		}
	}
	return keys, objects
}

// objectAt returns the object at path in v (a tree of maps and slices).
func objectAt(v any, path []any) map[string]any {
	for _, step := range path {
		switch s := step.(type) {
		case string:
			v = v.(map[string]any)[s]
		case int:
			v = v.([]any)[s]
		}
	}
	return v.(map[string]any)
}

// deepCopy copies a tree of maps and slices.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}

// concretePath fills the operation's path parameters: with ids[name] when
// given, else with a sample of the parameter's schema.
func concretePath(oapi *huma.OpenAPI, o docOperation, ids map[string]string) string {
	path := o.Path
	for _, p := range o.Op.Parameters {
		if p.In != "path" {
			continue
		}
		v, ok := ids[p.Name]
		if !ok {
			v = fmt.Sprint(sampleValue(oapi, p.Schema))
		}
		path = strings.ReplaceAll(path, "{"+p.Name+"}", v)
	}
	return path
}
