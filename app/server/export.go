package server

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/danielgtaylor/huma/v2"
)

// Document is the OpenAPI document in both of its served forms.
type Document struct {
	JSON []byte
	YAML []byte
}

// Export renders the API's OpenAPI document as /openapi.json and
// /openapi.yaml serve it (OpenAPI 3.1).
func Export(api huma.API) (Document, error) {
	j, err := json.MarshalIndent(api.OpenAPI(), "", "  ")
	if err != nil {
		return Document{}, err
	}
	y, err := api.OpenAPI().YAML()
	if err != nil {
		return Document{}, err
	}
	return Document{JSON: append(j, '\n'), YAML: y}, nil
}

// WriteTo writes openapi.json and openapi.yaml into dir. They are public
// documentation, committed to the repository, hence world-readable.
func (d Document) WriteTo(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "openapi.json"), d.JSON, 0o644); err != nil { //nolint:gosec // public docs
		return err
	}
	return os.WriteFile(filepath.Join(dir, "openapi.yaml"), d.YAML, 0o644) //nolint:gosec // public docs
}
