package database

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/reelview/reelview/app/textin"
)

// nameRow is one account's stored names and, once computed, their folded form.
type nameRow struct {
	id               int
	email, nick, key string
	deleted          bool
	newEmail, newKey string
}

// storedNames reads the names of every account, oldest first.
func storedNames(ctx context.Context, db *sql.DB) ([]*nameRow, error) {
	rs, err := db.QueryContext(ctx, `SELECT id, email, nickname, nickname_key, deleted_at IS NOT NULL FROM users ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("database: refold names: %w", err)
	}
	defer rs.Close()
	var all []*nameRow
	for rs.Next() {
		r := &nameRow{}
		if err := rs.Scan(&r.id, &r.email, &r.nick, &r.key, &r.deleted); err != nil {
			return nil, fmt.Errorf("database: refold names: %w", err)
		}
		all = append(all, r)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("database: refold names: %w", err)
	}
	return all, nil
}

// refoldNames brings the stored names of an embedded database to the form
// the code compares them in (textin.Fold), as the PostgreSQL migration
// lookalike_names does: every nickname key is recomputed, and of the live
// accounts whose names now fold alike the oldest keeps the plain key and
// the others get "#id"; emails are stored folded, unless a live account
// already has that folded email (then the row keeps its own). The embedded
// mode has no versioned migrations, so this runs at each start; once done
// it changes nothing.
func refoldNames(ctx context.Context, db *sql.DB) error {
	all, err := storedNames(ctx, db)
	if err != nil {
		return err
	}
	keys, emails := map[string]bool{}, map[string]bool{}
	for _, r := range all { // live emails already folded keep their address
		if !r.deleted && r.email == textin.Fold(r.email) {
			emails[r.email] = true
		}
	}
	var changed []*nameRow
	for _, r := range all {
		r.newKey, r.newEmail = textin.Fold(r.nick), textin.Fold(r.email)
		if !r.deleted {
			if keys[r.newKey] {
				r.newKey += "#" + strconv.Itoa(r.id)
			} else {
				keys[r.newKey] = true
			}
			if r.newEmail != r.email {
				if emails[r.newEmail] {
					r.newEmail = r.email
				} else {
					emails[r.newEmail] = true
				}
			}
		}
		if r.newKey != r.key || r.newEmail != r.email {
			changed = append(changed, r)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("database: refold names: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	// Keys move between rows: park the changed ones on unique values first.
	for _, r := range changed {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET nickname_key = ? WHERE id = ?`, "\x00"+strconv.Itoa(r.id), r.id); err != nil {
			return fmt.Errorf("database: refold names: %w", err)
		}
	}
	for _, r := range changed {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET nickname_key = ?, email = ? WHERE id = ?`, r.newKey, r.newEmail, r.id); err != nil {
			return fmt.Errorf("database: refold names: %w", err)
		}
	}
	return tx.Commit()
}
