// Package ent holds the Reelview domain schema (ent/schema) and the client that
// ent generates from it. Everything in this folder except schema/, template/
// (extra generated methods) and this file is generated: run `go generate ./ent`
// (or `task generate`) after a schema change.
package ent

//go:generate go run -mod=mod entgo.io/ent/cmd/ent generate --feature intercept,schema/snapshot,sql/versioned-migration,sql/upsert,sql/lock,sql/modifier,sql/execquery --template ./template ./schema
