package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// ETag returns a strong entity tag of body's JSON encoding, the same bytes
// huma sends.
func ETag(body any) (string, error) {
	_, etag, err := Encode(body)
	return etag, err
}

// Encode returns body's JSON encoding exactly as the API writes it, and its
// strong entity tag.
func Encode(body any) ([]byte, string, error) {
	var buf bytes.Buffer
	if err := huma.DefaultJSONFormat.Marshal(&buf, body); err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(buf.Bytes())
	return buf.Bytes(), `"` + hex.EncodeToString(sum[:12]) + `"`, nil
}

// PreEncoded is a response body that already holds its JSON encoding (from
// Encode): it is written as is, not encoded again for each request. A nil
// encoding falls back to encoding the body.
type PreEncoded interface{ EncodedJSON() []byte }

// jsonFormat is the API's JSON format: huma's encoder plus the PreEncoded
// shortcut, and the strict decoder (strictUnmarshal).
var jsonFormat = huma.Format{
	Marshal: func(w io.Writer, v any) error {
		if p, ok := v.(PreEncoded); ok {
			if b := p.EncodedJSON(); b != nil {
				_, err := w.Write(b)
				return err
			}
		}
		return huma.DefaultJSONFormat.Marshal(w, v)
	},
	Unmarshal: strictUnmarshal,
}

// NotModified reports whether an If-None-Match header matches etag, so the
// answer can be a bodyless 304.
func NotModified(ifNoneMatch, etag string) bool {
	for _, candidate := range strings.Split(ifNoneMatch, ",") {
		c := strings.TrimPrefix(strings.TrimSpace(candidate), "W/")
		if c == etag || c == "*" {
			return true
		}
	}
	return false
}
