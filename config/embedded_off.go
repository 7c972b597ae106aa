//go:build noembedded

package config

// EmbeddedBuilt reports whether this binary has the embedded mode (SQLite
// and an in-process Redis). This build (tag noembedded) leaves it out: it
// needs DATABASE_URL and REDIS_URL.
const EmbeddedBuilt = false
