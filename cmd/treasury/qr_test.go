package main

import (
	"strings"
	"testing"

	"rsc.io/qr"
)

// The drawing holds exactly the encoder's modules: reading the half blocks
// back gives the same matrix, inside a light quiet zone of four modules.
func TestWriteQRRoundTrip(t *testing.T) {
	text := addressURI("bcrt1qmv9kucx4tjtyfwddc3698p2flxqvts89n8kllr0hvdv7qs4z476snke6uw")
	var b strings.Builder
	if err := writeQR(&b, text); err != nil {
		t.Fatal(err)
	}
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	size := code.Size + 8
	if len(rows) != (size+1)/2 {
		t.Fatalf("%d rows, want %d", len(rows), (size+1)/2)
	}
	for r, row := range rows {
		cells := []rune(row)
		if len(cells) != size {
			t.Fatalf("row %d has %d cells, want %d", r, len(cells), size)
		}
		for x, cell := range cells {
			top, bottom := map[rune][2]bool{' ': {true, true}, '▄': {true, false}, '▀': {false, true}, '█': {false, false}}[cell][0],
				map[rune][2]bool{' ': {true, true}, '▄': {true, false}, '▀': {false, true}, '█': {false, false}}[cell][1]
			for i, dark := range []bool{top, bottom} {
				y := 2*r + i
				want := x >= 4 && y >= 4 && x < code.Size+4 && y < code.Size+4 && code.Black(x-4, y-4)
				if y < size && dark != want {
					t.Fatalf("module (%d,%d) dark=%v, want %v", x, y, dark, want)
				}
			}
		}
	}
}

func TestAddressURI(t *testing.T) {
	for in, want := range map[string]string{
		"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4":  "BITCOIN:BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
		"bcrt1qmv9kucx4tjtyfwddc3698p2flxqvts89n8kll": "BITCOIN:BCRT1QMV9KUCX4TJTYFWDDC3698P2FLXQVTS89N8KLL",
		"2N2JD6wb56AfK4tfmM6PwdVmoYk2dCKf4Br":         "bitcoin:2N2JD6wb56AfK4tfmM6PwdVmoYk2dCKf4Br",
	} {
		if got := addressURI(in); got != want {
			t.Errorf("addressURI(%s) = %s, want %s", in, got, want)
		}
	}
}
