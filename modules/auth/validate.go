package auth

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/app/textin"
)

// NormalizeEmail trims an email address, refuses invisible characters, and
// returns it folded (textin.Fold: NFKC and lower case, so that look-alike
// forms such as full-width letters are one address), checking it is a plain
// address (no display name) with a dotted domain. Emails are stored and
// looked up in this form.
func NormalizeEmail(field, raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if err := textin.CheckName(raw); err != nil {
		return "", apperr.Validation(field, err.Error())
	}
	email := FoldEmail(raw)
	a, err := mail.ParseAddress(email)
	_, domain, _ := strings.Cut(email, "@")
	if err != nil || a.Address != email || len(email) > 254 || !strings.Contains(domain, ".") ||
		strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", apperr.Validation(field, "must be a valid email address such as ada@example.com")
	}
	return email, nil
}

// FoldEmail is the stored form of an email address, without validation
// (login looks addresses up in it: a look-alike finds the same account).
func FoldEmail(raw string) string { return textin.Fold(strings.TrimSpace(raw)) }

// ValidateNickname trims a nickname and checks it is 2–30 characters of
// printable text without invisible characters, also once folded for
// comparison (textin.Fold), which is how uniqueness is decided.
func ValidateNickname(field, raw string) (string, error) {
	nick := strings.TrimSpace(raw)
	n := utf8.RuneCountInString(nick)
	if n < 2 || n > 30 {
		return "", apperr.Validation(field, "must be 2 to 30 characters long")
	}
	for _, r := range nick {
		if !unicode.IsPrint(r) && !textin.Invisible(r) {
			return "", apperr.Validation(field, "must contain only printable characters")
		}
	}
	if err := textin.CheckName(nick); err != nil {
		return "", apperr.Validation(field, err.Error())
	}
	if k := utf8.RuneCountInString(textin.Fold(nick)); k < 2 || k > 30 {
		return "", apperr.Validation(field, "must be 2 to 30 characters long once normalised (ligatures and similar forms are spelled out)")
	}
	return nick, nil
}
