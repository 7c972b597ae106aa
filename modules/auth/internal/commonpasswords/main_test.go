package main

import (
	"os"
	"strings"
	"testing"
)

// The committed file is what the generator writes today.
func TestFileUpToDate(t *testing.T) {
	b, err := os.ReadFile("../../common_passwords.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join(Lines(), "\n") + "\n"
	if string(b) != want {
		t.Fatal("modules/auth/common_passwords.txt is out of date: run `go generate ./modules/auth`")
	}
	if n := len(Lines()) - 1; n != N {
		t.Fatalf("the list has %d passwords, want %d", n, N)
	}
}
