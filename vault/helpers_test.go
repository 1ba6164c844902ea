package vault

import (
	"strings"
	"testing"
)

// Keys used across the tests: three BIP-48 P2WSH account keys from the
// vector file (seeds 0-2, testnet), BIP-32's test vector 1 master key, and
// BIP-129's two mainnet signers.
const (
	tpubA = "[21de204c/48'/1'/0'/2']tpubDFE4xitjzEAMf1yc3EnK62Unv6T4uQNhKpivg1ZnXpMySJkRB1wcbRoLa3oHvwFFZ3VfnDW4BHoLHtBdGbMoMqC5hc6pGQpSmE3nAME8EZK"
	tpubB = "[e5940ebd/48'/1'/0'/2']tpubDFaEVARCLWHnDQV2ZK5AKqCpUuvm4J2ATMQK24eg4HpkVe2bdRS5aT4fAA63Q5YGWkijdriCxqmhwKHmidpEFcRLAHN1e3pXfKEQTYgK1vn"
	tpubC = "[355c1078/48'/1'/0'/2']tpubDEioDMWgL8XhNaqaYfHHrFKBuJFan9Lz81GMuASnEYMCoaWwbUTkdtsydXhwpULm42cEAp5NZeN8orgj7ccqdJRjEMePm5sqBkzuWWbZRAG"

	// BIP-32 test vector 1: master xpub, whose own fingerprint is 3442193e.
	bip32TV1Master = "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8"

	// BIP-129 test vectors, round 2 (NO_ENCRYPTION).
	bip129Key1  = "[1cf0bf7e/48'/0'/0'/2']xpub6FL8FhxNNUVnG64YurPd16AfGyvFLhh7S2uSsDqR3Qfcm6o9jtcMYwh6DvmcBF9qozxNQmTCVvWtxLpKTnhVLN3Pgnu2D3pAoXYFgVyd8Yz"
	bip129Key2  = "[4fc1dd4a/48'/0'/0'/2']xpub6EebMbEps7ZcV3FYEnddRsvrFWDrt2tiPmCeM7pPXQEmphvq9ZfJ1LWFUDjf3vxCeBuPrfyGrMazWUsYsetrnHatQZVLJH7LsgCjtMqdzgj"
	bip129First = "bc1qrgc6p3kylfztu06ysl752gwwuekhvtfh9vr7zg43jvu60mutamcsv948ej"

	// BIP-380 key expression vectors.
	bip380XPub = "xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL"
	bip380XPrv = "xprvA1RpRA33e1JQ7ifknakTFpgNXPmW2YvmhqLQYMmrj4xJXXWYpDPS3xz7iAxn8L39njGVyuoseXzU6rcxFLJ8HFsTjSyQbLYnMpCqE2VbFWc"
	bip380Pub  = "0260b2003c386519fc9eadf2b5cf124dd8eea4c4e68d5e154050a9346ea98ce600"
	bip380Unc  = "04a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd5b8dec5235a0fa8722476c7709c02559e3aa73aa03918ba2d492eea75abea235"
	bip380WIF  = "L4rK1yDtCWekvXuE6oXD9jCYfFNV2cWRpVuPLBcCU2z8TrisoyY1"
	bip380WIFu = "5KYZdUEo39z3FPrtuX2QbbwGnNP5zTd7yyr2SC1j299sBCnWjss"
)

// wsh builds "wsh(sortedmulti(m,k1/<0;1>/*,…))#checksum" from bare key
// expressions.
func wsh(t testing.TB, m string, suffix string, keys ...string) string {
	t.Helper()
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + suffix
	}
	d, err := AddChecksum("wsh(sortedmulti(" + m + "," + strings.Join(parts, ",") + "))")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustParse(t testing.TB, s string) *Descriptor {
	t.Helper()
	d, err := ParseDescriptor(s)
	if err != nil {
		t.Fatalf("ParseDescriptor(%s): %v", s, err)
	}
	return d
}

func mustNetwork(t testing.TB, name string) Network {
	t.Helper()
	n, err := ParseNetwork(name)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
