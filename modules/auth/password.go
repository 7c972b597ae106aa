package auth

import (
	"bufio"
	"context"
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"

	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/config"
)

// Password length bounds in bytes: bcrypt ignores everything after 72 bytes,
// so a longer password would silently be cut.
const (
	MinPasswordBytes = 8
	MaxPasswordBytes = 72
	commonPasswords  = 10000
)

//go:generate go run ./internal/commonpasswords

// commonFile is the 10,000 most common passwords of the list zxcvbn ships,
// lower-cased, one per line. It is read on the first password check, not at
// start-up: zxcvbn's own package builds all its dictionaries when it
// initialises, which cost every process ~4 MiB of resident memory.
//
//go:embed common_passwords.txt
var commonFile string

var (
	commonOnce sync.Once
	common     map[string]struct{}
)

// isCommon reports whether p is among the 10,000 most common passwords of the
// list zxcvbn ships (case-insensitive).
func isCommon(p string) bool {
	commonOnce.Do(func() {
		common = make(map[string]struct{}, commonPasswords)
		sc := bufio.NewScanner(strings.NewReader(commonFile))
		for sc.Scan() {
			if w := sc.Text(); w != "" && !strings.HasPrefix(w, "#") {
				common[w] = struct{}{}
			}
		}
	})
	_, ok := common[strings.ToLower(p)]
	return ok
}

// ValidatePassword checks the password rules of API.md and says which one
// failed, as a VALIDATION_FAILED error on field.
func ValidatePassword(field, p string) error {
	switch {
	case len(p) < MinPasswordBytes:
		return apperr.Validation(field, fmt.Sprintf("must be at least %d bytes long", MinPasswordBytes))
	case len(p) > MaxPasswordBytes:
		return apperr.Validation(field, fmt.Sprintf("must be at most %d bytes long", MaxPasswordBytes))
	case isCommon(p):
		return apperr.Validation(field, "is one of the 10,000 most common passwords; choose a less guessable one")
	}
	return nil
}

// Hasher hashes and checks passwords with bcrypt at the configured cost.
type Hasher struct {
	cost  int
	ready chan struct{} // closed once dummy is computed
	dummy []byte        // compared against for unknown accounts: same work, no timing oracle
}

// NewHasher returns a hasher at the configured cost. The dummy hash is
// computed in the background (one bcrypt, ~0.25 s at cost 12) so that
// start-up does not wait for it.
func NewHasher(c config.Auth) (*Hasher, error) {
	if c.BcryptCost < bcrypt.MinCost || c.BcryptCost > bcrypt.MaxCost {
		return nil, fmt.Errorf("auth: bcrypt cost %d out of range", c.BcryptCost)
	}
	h := &Hasher{cost: c.BcryptCost, ready: make(chan struct{})}
	go func() {
		defer close(h.ready)
		h.dummy, _ = bcrypt.GenerateFromPassword([]byte("reelview-timing-equalizer"), c.BcryptCost)
	}()
	return h, nil
}

// Hash returns the bcrypt hash of p.
func (h *Hasher) Hash(_ context.Context, p string) (string, error) {
	b, err := bcrypt.GenerateFromPassword([]byte(p), h.cost)
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return string(b), nil
}

// Check reports whether p matches hash. An empty hash (an account without a
// password, or no account at all) is compared against a dummy hash of the same
// cost, so that the answer takes as long as for a real account.
func (h *Hasher) Check(hash, p string) bool {
	if hash == "" {
		<-h.ready
		_ = bcrypt.CompareHashAndPassword(h.dummy, []byte(p))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(p)) == nil
}
