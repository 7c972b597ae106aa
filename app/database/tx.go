package database

import (
	"context"
	"fmt"

	"github.com/reelview/reelview/ent"
)

// WithTx runs fn in a transaction of client: committed when fn returns nil,
// rolled back when it returns an error or panics. fn's error is returned as
// it is, so domain errors keep their meaning.
func WithTx(ctx context.Context, client *ent.Client, fn func(*ent.Tx) error) (err error) {
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}
