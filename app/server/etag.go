package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// ETag returns a strong entity tag of body's JSON encoding, the same bytes
// huma sends.
func ETag(body any) (string, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:12]) + `"`, nil
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
