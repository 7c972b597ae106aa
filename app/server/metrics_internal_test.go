package server

import "testing"

func TestMetricLabel(t *testing.T) {
	for in, want := range map[string]string{
		`/api/v1/genres`: `"/api/v1/genres"`,
		`a"b`:            `"a\"b"`,
		`a\b`:            `"a\\b"`,
		"a\nb":           `"a\nb"`,
	} {
		if got := label(in); got != want {
			t.Errorf("label(%q) = %s, want %s", in, got, want)
		}
	}
}
