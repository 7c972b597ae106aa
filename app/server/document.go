package server

import (
	"github.com/danielgtaylor/huma/v2"
)

// operations returns the operations of a path item, whatever their method.
func operations(item *huma.PathItem) []*huma.Operation {
	var ops []*huma.Operation
	for _, op := range []*huma.Operation{item.Get, item.Head, item.Post, item.Put, item.Patch,
		item.Delete, item.Options, item.Trace} {
		if op != nil {
			ops = append(ops, op)
		}
	}
	return ops
}

// documentParameters makes no parameter nullable. Huma documents every Go
// slice as `["array", "null"]`, which is right for a response field that may
// be null, but a query, path or header parameter is text: it is absent or has
// a value, never null, and generated clients that read the type as "array or
// null" refuse a plain `?genre=1`.
func documentParameters(oapi *huma.OpenAPI) {
	for _, item := range oapi.Paths {
		for _, op := range operations(item) {
			for _, p := range op.Parameters {
				if p.Schema != nil && p.Schema.Nullable {
					p.Schema.Nullable = false
				}
			}
		}
	}
}
