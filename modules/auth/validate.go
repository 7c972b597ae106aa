package auth

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/reelview/reelview/app/apperr"
)

// NormalizeEmail trims and lower-cases an email and checks it is a plain
// address (no display name) with a dotted domain.
func NormalizeEmail(field, raw string) (string, error) {
	email := strings.ToLower(strings.TrimSpace(raw))
	a, err := mail.ParseAddress(email)
	_, domain, _ := strings.Cut(email, "@")
	if err != nil || a.Address != email || len(email) > 254 || !strings.Contains(domain, ".") ||
		strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", apperr.Validation(field, "must be a valid email address such as ada@example.com")
	}
	return email, nil
}

// ValidateNickname trims a nickname and checks it is 2–30 characters of
// printable text.
func ValidateNickname(field, raw string) (string, error) {
	nick := strings.TrimSpace(raw)
	n := utf8.RuneCountInString(nick)
	if n < 2 || n > 30 {
		return "", apperr.Validation(field, "must be 2 to 30 characters long")
	}
	for _, r := range nick {
		if !unicode.IsPrint(r) {
			return "", apperr.Validation(field, "must contain only printable characters")
		}
	}
	return nick, nil
}
