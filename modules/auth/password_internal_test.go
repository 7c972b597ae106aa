package auth

import "testing"

// The embedded list is read whole: all 10,000 passwords, the last one too,
// case-insensitively, and the header is not one of them.
func TestCommonPasswords(t *testing.T) {
	for _, p := range []string{"123456", "password", "PassWord", "qqqqqq1"} {
		if !isCommon(p) {
			t.Errorf("isCommon(%q) = false, want true", p)
		}
	}
	for _, p := range []string{"", "correct horse battery staple", "# The 10,000 most common passwords"} {
		if isCommon(p) {
			t.Errorf("isCommon(%q) = true, want false", p)
		}
	}
	if len(common) != commonPasswords {
		t.Errorf("%d common passwords, want %d", len(common), commonPasswords)
	}
}
