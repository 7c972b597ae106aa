package auth

import (
	"bufio"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/text/unicode/norm"

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

// PasswordRules says the password rules in one sentence, for the operation
// descriptions and the README.
const PasswordRules = "8–72 bytes; not only whitespace; at least 4 different characters; " +
	"not one or two runs of a repeated character or block or of consecutive characters " +
	"(such as aaaaaaaa, abcabcabc, 12345678, abcdefgh, 87654321, 1234abcd); " +
	"not one of the 10,000 most common passwords; and all of this still holds, " +
	"with at least 8 bytes left, once \"reelview\", the nickname and the email address's part before the @ " +
	"(and each run of 3 or more letters or digits in them) are taken out, regardless of case and width, " +
	"and again with spaces and punctuation left out"

// ValidatePassword checks a new password against PasswordRules (NIST SP
// 800-63B §5.1.1.2: length, repetitive or sequential characters, common
// passwords, context-specific words) and says which rule failed, as a
// VALIDATION_FAILED error on field. words are the context of the account:
// its email address and nickname; the product name is always one.
func ValidatePassword(field, p string, words ...string) error {
	switch {
	case len(p) < MinPasswordBytes:
		return apperr.Validation(field, fmt.Sprintf("must be at least %d bytes long", MinPasswordBytes))
	case len(p) > MaxPasswordBytes:
		return apperr.Validation(field, fmt.Sprintf("must be at most %d bytes long", MaxPasswordBytes))
	case strings.TrimSpace(p) == "":
		return apperr.Validation(field, "must not be only whitespace")
	}
	if reason := weakness(p); reason != "" {
		return apperr.Validation(field, reason)
	}
	// The context words are looked for in the password as a person reads
	// it: compatibility-folded and lower-cased (ｒｅｅｌｖｉｅｗ is reelview),
	// and once more without its spaces and punctuation (Reel View, reel_view).
	folded := strings.ToLower(norm.NFKC.String(p))
	words = contextWords(words)
	for _, form := range []string{folded, lettersAndDigits(folded)} {
		rest := form
		for _, w := range words {
			rest = strings.ReplaceAll(rest, w, "")
		}
		if rest != form && (len(rest) < MinPasswordBytes || weakness(rest) != "") {
			return apperr.Validation(field, "is too close to the email address, the nickname or the name of the service; "+
				"add more of your own")
		}
	}
	return nil
}

// lettersAndDigits is s without the characters that are neither.
func lettersAndDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

// weakness returns why p is easy to guess, or "".
func weakness(p string) string {
	lower := []rune(strings.ToLower(p))
	distinct := map[rune]bool{}
	for _, r := range lower {
		distinct[r] = true
	}
	switch {
	case len(distinct) < 4:
		return "must use at least 4 different characters"
	case runs(lower):
		return "must not be made of repeated or consecutive characters (such as aaaaaaaa, abcabcabc, 12345678 or abcdefgh)"
	case isCommon(p):
		return "is one of the 10,000 most common passwords; choose a less guessable one"
	}
	return ""
}

// runs reports whether s is one or two runs, each a repeated character or
// block (aaaa, abcabc) or consecutive characters, ascending or descending
// (1234, dcba; 9 is followed by 0).
func runs(s []rune) bool {
	if simple(s) {
		return true
	}
	for i := 1; i < len(s); i++ {
		if simple(s[:i]) && simple(s[i:]) {
			return true
		}
	}
	return false
}

func simple(s []rune) bool { return repeated(s) || consecutive(s) }

// repeated reports whether s is a block repeated, the last time perhaps in
// part (aaaa, abab, abcabca).
func repeated(s []rune) bool {
	for period := 1; period <= len(s)/2; period++ {
		ok := true
		for i := period; i < len(s) && ok; i++ {
			ok = s[i] == s[i-period]
		}
		if ok {
			return true
		}
	}
	return len(s) == 1
}

// consecutive reports whether each character of s follows the previous one
// by the same step, +1 or -1 (abcd, 4321, 7890).
func consecutive(s []rune) bool {
	if len(s) < 2 {
		return len(s) == 1
	}
	step := func(a, b rune) rune {
		switch {
		case a == '9' && b == '0':
			return 1
		case a == '0' && b == '9':
			return -1
		}
		return b - a
	}
	first := step(s[0], s[1])
	if first != 1 && first != -1 {
		return false
	}
	for i := 2; i < len(s); i++ {
		if step(s[i-1], s[i]) != first {
			return false
		}
	}
	return true
}

// product is the context word every password is checked against.
const product = "reelview"

// contextWords returns the lower-cased words a password must not be built
// on, longest first: the product name, each given word (an email address
// counts by its part before the @) and each of their runs of 3 or more
// letters or of 3 or more digits.
func contextWords(words []string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(w string) {
		if len([]rune(w)) >= 3 && !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	for _, w := range append([]string{product}, words...) {
		w = strings.ToLower(norm.NFKC.String(strings.TrimSpace(w)))
		if local, _, ok := strings.Cut(w, "@"); ok {
			w = local
		}
		add(w)
		for _, part := range strings.FieldsFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			add(part)
			// and its runs of letters and of digits: ada1815 → ada, 1815
			start := 0
			rs := []rune(part)
			for i := 1; i <= len(rs); i++ {
				if i == len(rs) || unicode.IsDigit(rs[i]) != unicode.IsDigit(rs[i-1]) {
					add(string(rs[start:i]))
					start = i
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
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

// Check reports whether p matches hash. bcrypt reads only the first 72 bytes
// of a password, so a longer p never matches: it could not have been set
// (ValidatePassword refuses it), and accepting it would let any suffix after
// the 72nd byte sign in. An empty hash (an account without a password, or no
// account at all) and a too long p are compared against a dummy hash of the
// same cost, so that the refusal takes as long as a real check.
func (h *Hasher) Check(hash, p string) bool {
	if hash == "" || len(p) > MaxPasswordBytes {
		<-h.ready
		_ = bcrypt.CompareHashAndPassword(h.dummy, []byte(p[:min(len(p), MaxPasswordBytes)]))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(p)) == nil
}

// Reason returns the reason of a VALIDATION_FAILED error for one field (the
// rule that failed), or the error's text.
func Reason(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) && len(ae.Details) > 0 {
		return ae.Details[0].Reason
	}
	return err.Error()
}
