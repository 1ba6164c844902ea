package main

import (
	"testing"

	"github.com/treasury-dev/treasury/internal/keys"
)

func TestReviewOutputLabel(t *testing.T) {
	tests := []struct {
		o    keys.OutputClass
		want string
	}{
		{keys.OutputClass{Address: "bcrt1qpay", Class: "p2wpkh"}, "bcrt1qpay  LEAVES the vault family (a payment)"},
		{keys.OutputClass{Class: "OP_RETURN"}, "OP_RETURN data (no value; nobody can spend it)"},
		{keys.OutputClass{Address: "bcrt1qown", Internal: true, Role: keys.RoleSigning, Vault: "ops", Generation: 0, Chain: 1, AddressIndex: 7},
			"bcrt1qown  stays in generation 0 of vault ops (the generation it is spent from); change index 7"},
		{keys.OutputClass{Address: "bcrt1qnext", Internal: true, Role: keys.RoleSigning, Vault: "ops", Generation: 1, Rotation: true},
			"bcrt1qnext  moves to generation 1 of vault ops (a rotation: it leaves the generation it is spent from); receive index 0"},
		{keys.OutputClass{Address: "bcrt1qdest", Internal: true, Role: keys.RoleDestination, Vault: "ops", Generation: 2, Rotation: true, AddressIndex: 3},
			"bcrt1qdest  goes to DESTINATION-ONLY generation 2 of vault ops, which you accepted but hold no key of; receive index 3"},
		{keys.OutputClass{Address: "bcrt1qpayroll", Internal: true, Role: keys.RoleSigning, Vault: "payroll", Generation: 0, Rotation: true, OtherVault: true, Chain: 1, AddressIndex: 2},
			"bcrt1qpayroll  moves to generation 0 of vault payroll, another vault you sign for; change index 2"},
		{keys.OutputClass{Address: "bcrt1qanon", Internal: true, Role: keys.RoleSigning, Generation: -1},
			"bcrt1qanon  stays in generation ? (the generation it is spent from); receive index 0"},
	}
	// A registered descriptor's policy is named: who can spend what moves.
	g1 := "wsh(sortedmulti(1,[73c5da0a/48'/1'/1'/2']tpubDEYM1BmQ5rp2PWKvCgvQxNeUrEv8gu5819xRdmu6S23fYpS8x2icwAeoVaBTLyN3fGWJQcWoaiKMduTXWKtG9bXNpVrZPRF7XVxrANtAEcR/<0;1>/*,[3f635a63/48'/1'/1'/2']tpubDE9cRBoQacWpJ5jrmTtCWtE8wCjUQn8jstHB9iYq35bTAhn7ECbTK5QonoL9fELwPakogYgS3cLf5h8ZnCuLMEybCLS3rtjKaQuxSa88EGs/<0;1>/*))"
	tests = append(tests, struct {
		o    keys.OutputClass
		want string
	}{keys.OutputClass{Address: "bcrt1qweak", Internal: true, Role: keys.RoleSigning, Vault: "ops", Generation: 1, Rotation: true, Descriptor: g1},
		"bcrt1qweak  moves to generation 1 of vault ops, 1-of-2 keys 73c5da0a 3f635a63 (a rotation: it leaves the generation it is spent from); receive index 0"})
	for _, tt := range tests {
		if got := reviewOutputLabel(tt.o); got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
}

func TestParsePercent(t *testing.T) {
	for in, want := range map[string]int64{"5": 500, "7.5": 750, "0.25": 25, "100": 10000, "12%": 1200} {
		if got, err := parsePercent(in); err != nil || got != want {
			t.Errorf("parsePercent(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "lots", "1.234", "101", "-3", "100.01"} {
		if _, err := parsePercent(in); err == nil {
			t.Errorf("parsePercent(%q) accepted", in)
		}
	}
	if pct(500) != "5%" || pct(534) != "5.34%" || pct(750) != "7.5%" || pct(1) != "0.01%" {
		t.Errorf("pct: %s %s %s %s", pct(500), pct(534), pct(750), pct(1))
	}
}
