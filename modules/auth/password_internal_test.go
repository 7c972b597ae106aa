package auth

import (
	"strings"
	"testing"
)

// The embedded list is read whole: all 10,000 passwords, the last one too,
// case-insensitively, and the header line is not one of them.
func TestCommonPasswords(t *testing.T) {
	lines := strings.Split(strings.TrimSuffix(commonFile, "\n"), "\n")
	last := lines[len(lines)-1]
	for _, p := range []string{"123456", "password", "PassWord", last, strings.ToUpper(last)} {
		if !isCommon(p) {
			t.Errorf("isCommon(%q) = false, want true", p)
		}
	}
	for _, p := range []string{"", "correct horse battery staple"} {
		if isCommon(p) {
			t.Errorf("isCommon(%q) = true, want false", p)
		}
	}
	if !strings.HasPrefix(lines[0], "#") {
		t.Fatalf("the file's first line is %q, want its # header", lines[0])
	}
	for w := range common {
		if strings.HasPrefix(w, "#") {
			t.Errorf("the header line %q was read as a password", w)
		}
	}
	if len(common) != commonPasswords {
		t.Errorf("%d common passwords, want %d", len(common), commonPasswords)
	}
}
