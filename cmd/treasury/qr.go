package main

import (
	"fmt"
	"io"
	"strings"

	"rsc.io/qr"
)

// addressURI is what the QR code of an address holds: a BIP-21 URI, in
// upper case when the address is bech32 (BIP-173 allows it), so the code
// uses QR's compact alphanumeric mode.
func addressURI(addr string) string {
	if strings.ToLower(addr) == addr {
		for _, hrp := range []string{"bc1", "tb1", "bcrt1"} {
			if strings.HasPrefix(addr, hrp) {
				return "BITCOIN:" + strings.ToUpper(addr)
			}
		}
	}
	return "bitcoin:" + addr
}

// writeQR draws text as a QR code with half blocks: two modules per
// character cell, dark modules as spaces on a light background, with the
// four-module quiet zone scanners need.
func writeQR(w io.Writer, text string) error {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return fmt.Errorf("unable to draw the QR code: %w", err)
	}
	const quiet = 4
	size := code.Size + 2*quiet
	dark := func(x, y int) bool {
		x, y = x-quiet, y-quiet
		return x >= 0 && y >= 0 && x < code.Size && y < code.Size && code.Black(x, y)
	}
	var b strings.Builder
	for y := 0; y < size; y += 2 {
		for x := 0; x < size; x++ {
			b.WriteString(halfBlock(dark(x, y), y+1 < size && dark(x, y+1)))
		}
		b.WriteByte('\n')
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// halfBlock is the cell for a top and a bottom module: light is drawn,
// dark is left blank, so the code reads on dark and light terminals alike
// with the light quiet zone around it.
func halfBlock(topDark, bottomDark bool) string {
	switch {
	case topDark && bottomDark:
		return " "
	case topDark:
		return "▄"
	case bottomDark:
		return "▀"
	}
	return "█"
}
