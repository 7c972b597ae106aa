// Package migrations embeds the versioned PostgreSQL migrations that Atlas
// generates from the ent schema (`task migrate:diff -- <name>`). Never edit an
// applied file: add a new one.
package migrations

import "embed"

// FS holds the migration files and atlas.sum.
//
//go:embed *.sql atlas.sum
var FS embed.FS
