package server

import (
	"strings"
	"testing"
)

func TestRedactPath(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("k3_xQ9-Lw", 8) + "Z123456"
	for in, want := range map[string]string{
		"/api/v1/users/me/devices/42":                      "/api/v1/users/me/devices/42",
		"/api/v1/auth/sessions/" + strings.Repeat("s", 64): "/api/v1/auth/sessions/" + strings.Repeat("s", 64),
		"/api/v1/users/me/devices/" + long:                 "/api/v1/users/me/devices/…123456",
		"/" + long + "/x/" + long + "/":                    "/…123456/x/…123456/",
		"/api/v1/x/" + strings.Repeat("é", 70) + "ab":      "/api/v1/x/…éééé" + "ab",
		"/" + strings.Repeat("a", 100):                     "/…aaaaaa",
		"":                                                 "",
	} {
		if got := redactPath(in); got != want {
			t.Errorf("redactPath(%q) = %q, want %q", in, got, want)
		}
	}
}
