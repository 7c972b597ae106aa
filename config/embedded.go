//go:build !noembedded

package config

// EmbeddedBuilt reports whether this binary has the embedded mode (SQLite
// and an in-process Redis). Builds tagged noembedded, such as the Docker
// image, leave it out: they need DATABASE_URL and REDIS_URL, and are a few
// MiB smaller at rest.
const EmbeddedBuilt = true
