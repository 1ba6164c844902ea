package main

import (
	"errors"
	"os/user"
	"testing"
)

// TestPersonOf: the audit log's default actor is the person, never a
// program: the sudo user rather than root, else the account, else $USER.
func TestPersonOf(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	as := func(name, uid string) func() (*user.User, error) {
		return func() (*user.User, error) { return &user.User{Username: name, Uid: uid}, nil }
	}
	noUser := func() (*user.User, error) { return nil, errors.New("no passwd entry") }
	tests := []struct {
		name    string
		getenv  func(string) string
		current func() (*user.User, error)
		want    string
	}{
		{"account", env(nil), as("alice", "1000"), "alice"},
		{"sudo", env(map[string]string{"SUDO_USER": "bob"}), as("root", "0"), "bob"},
		{"root without sudo", env(nil), as("root", "0"), "root"},
		{"SUDO_USER ignored when not root", env(map[string]string{"SUDO_USER": "mallory"}), as("alice", "1000"), "alice"},
		{"no passwd entry", env(map[string]string{"USER": "carol"}), noUser, "carol"},
		{"LOGNAME", env(map[string]string{"LOGNAME": "dave"}), noUser, "dave"},
		{"nothing", env(nil), noUser, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := personOf(tt.getenv, tt.current); got != tt.want {
				t.Fatalf("personOf = %q, want %q", got, tt.want)
			}
		})
	}
}
