package vault

import (
	"fmt"
	"strings"
)

// The BIP-380 descriptor checksum: a BCH code over the descriptor's
// characters, written as 8 characters of the bech32 alphabet after '#'.

const (
	checksumInputCharset = "0123456789()[],'/*abcdefgh@:$%{}" +
		"IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~" +
		"ijklmnopqrstuvwxyzABCDEFGH`#\"\\ "
	checksumCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	checksumLen     = 8
)

var checksumGenerator = [5]uint64{0xf5dee51989, 0xa9fdca3312, 0x1bab10e32d, 0x3706b1677a, 0x644d626ffd}

func polymod(c uint64, v int) uint64 {
	top := c >> 35
	c = (c&0x7ffffffff)<<5 ^ uint64(v)
	for i, g := range checksumGenerator {
		if (top>>i)&1 == 1 {
			c ^= g
		}
	}
	return c
}

// Checksum returns the 8-character BIP-380 checksum of desc, a descriptor
// written without "#checksum".
func Checksum(desc string) (string, error) {
	c := uint64(1)
	cls, clsCount := 0, 0
	for i := 0; i < len(desc); i++ {
		if desc[i] == '#' {
			return "", fmt.Errorf("%w: descriptor already has a '#' at position %d", ErrSyntax, i)
		}
		pos := strings.IndexByte(checksumInputCharset, desc[i])
		if pos < 0 {
			return "", fmt.Errorf("%w: invalid character %q at position %d", ErrSyntax, desc[i], i)
		}
		c = polymod(c, pos&31)
		cls = cls*3 + pos>>5
		if clsCount++; clsCount == 3 {
			c = polymod(c, cls)
			cls, clsCount = 0, 0
		}
	}
	if clsCount > 0 {
		c = polymod(c, cls)
	}
	for range checksumLen {
		c = polymod(c, 0)
	}
	c ^= 1
	out := make([]byte, checksumLen)
	for i := range out {
		out[i] = checksumCharset[(c>>(5*(7-i)))&31]
	}
	return string(out), nil
}

// AddChecksum returns desc followed by '#' and its checksum.
func AddChecksum(desc string) (string, error) {
	sum, err := Checksum(desc)
	if err != nil {
		return "", err
	}
	return desc + "#" + sum, nil
}

// splitChecksum separates "desc#checksum" and verifies the checksum when
// there is one. It returns the descriptor without it.
func splitChecksum(s string) (string, error) {
	i := strings.LastIndexByte(s, '#')
	if i < 0 {
		if _, err := Checksum(s); err != nil {
			return "", err
		}
		return s, nil
	}
	body, got := s[:i], s[i+1:]
	if len(got) != checksumLen {
		return "", fmt.Errorf("%w: checksum %q has %d characters, want %d", ErrChecksum, got, len(got), checksumLen)
	}
	want, err := Checksum(body)
	if err != nil {
		return "", err
	}
	if got != want {
		// The checksum this text would need is never shown: pasting it
		// would "fix" a mistyped descriptor into a valid, different one
		// (BIP-173 asks the same of addresses).
		return "", fmt.Errorf("%w: the text does not match its checksum #%s; a character is mistyped, missing or swapped", ErrChecksum, got)
	}
	return body, nil
}
