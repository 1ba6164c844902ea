package app

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"

	"github.com/treasury-dev/treasury/vault"
)

// Label is one BIP-329 label record as stored: Label and Spendable are nil
// when the record did not give them.
type Label struct {
	Type      string
	Ref       string
	Label     *string
	Origin    string
	Spendable *bool
}

// MaxLabelLength is BIP-329's suggested longest label; longer ones are cut
// on import, and the import says how many were.
const MaxLabelLength = 255

// labelTypes are BIP-329's record types; an importer ignores others.
var labelTypes = map[string]bool{"tx": true, "addr": true, "pubkey": true, "input": true, "output": true, "xpub": true}

// labelLine is one JSON Lines record as read: the fields BIP-329 defines,
// raw, so that a wrong JSON type is caught ("false" is no boolean).
type labelLine struct {
	Type      *string         `json:"type"`
	Ref       *string         `json:"ref"`
	Label     json.RawMessage `json:"label"`
	Origin    json.RawMessage `json:"origin"`
	Spendable json.RawMessage `json:"spendable"`
}

// ParsedLabels is what a BIP-329 file holds for this treasury.
type ParsedLabels struct {
	Labels    []Label
	Ignored   int // records of types BIP-329 does not define
	Truncated int // labels cut to MaxLabelLength characters
}

// ParseLabels reads a BIP-329 export (JSON Lines, UTF-8, one object per
// line) and checks every record against BIP-329's rules: type and ref
// present; ref well formed for its type (a txid, an address of net, a
// public key, txid:index, an extended public key); label and origin
// strings; spendable a boolean, and on outputs only. Records of other
// types are ignored, as BIP-329 asks; any other fault refuses the whole
// file with the line it is on.
func ParseLabels(data []byte, net vault.Network) (*ParsedLabels, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("the file is not UTF-8 text")
	}
	out := &ParsedLabels{}
	for n, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		l, known, cut, err := parseLabelLine(line, net)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		switch {
		case !known:
			out.Ignored++
		default:
			out.Labels = append(out.Labels, l)
			if cut {
				out.Truncated++
			}
		}
	}
	return out, nil
}

func parseLabelLine(line []byte, net vault.Network) (l Label, known, cut bool, err error) {
	var r labelLine
	if !bytes.HasPrefix(line, []byte("{")) || json.Unmarshal(line, &r) != nil {
		return l, false, false, fmt.Errorf("not a JSON object")
	}
	if r.Type == nil || r.Ref == nil {
		return l, false, false, fmt.Errorf("a record needs both type and ref")
	}
	l.Type, l.Ref = *r.Type, strings.TrimSpace(*r.Ref)
	if !labelTypes[l.Type] {
		return l, false, false, nil
	}
	if err := checkLabelRef(l.Type, l.Ref, net); err != nil {
		return l, false, false, err
	}
	if len(r.Label) > 0 && string(r.Label) != "null" {
		var s string
		if json.Unmarshal(r.Label, &s) != nil {
			return l, false, false, fmt.Errorf("label is not a string")
		}
		if utf8.RuneCountInString(s) > MaxLabelLength {
			s, cut = string([]rune(s)[:MaxLabelLength]), true
		}
		l.Label = &s
	}
	if len(r.Origin) > 0 && string(r.Origin) != "null" && json.Unmarshal(r.Origin, &l.Origin) != nil {
		return l, false, false, fmt.Errorf("origin is not a string")
	}
	if len(r.Spendable) > 0 && string(r.Spendable) != "null" {
		var b bool
		if json.Unmarshal(r.Spendable, &b) != nil {
			return l, false, false, fmt.Errorf("spendable is not true or false")
		}
		if l.Type != "output" {
			return l, false, false, fmt.Errorf("spendable belongs to output records only, not %s", l.Type)
		}
		l.Spendable = &b
	}
	return l, true, cut, nil
}

// checkLabelRef checks a reference is what its type names.
func checkLabelRef(typ, ref string, net vault.Network) error {
	switch typ {
	case "tx":
		if !isTxID(ref) {
			return fmt.Errorf("tx ref %q is not a 64-hex-digit transaction id", abbreviateRef(ref))
		}
	case "input", "output":
		txid, idx, ok := strings.Cut(ref, ":")
		if _, err := strconv.ParseUint(idx, 10, 32); !ok || err != nil || !isTxID(txid) {
			return fmt.Errorf("%s ref %q is not txid:index", typ, abbreviateRef(ref))
		}
	case "addr":
		if a, err := address.DecodeAddress(ref, net.Params); err != nil || !a.IsForNet(net.Params) {
			return fmt.Errorf("addr ref %q is not an address of %s", abbreviateRef(ref), net.Name)
		}
	case "pubkey":
		b, err := hex.DecodeString(ref)
		if err != nil || (len(b) != 32 && len(b) != 33 && len(b) != 65) {
			return fmt.Errorf("pubkey ref %q is not a 32, 33 or 65-byte public key in hex", abbreviateRef(ref))
		}
	case "xpub":
		if k, err := hdkeychain.NewKeyFromString(ref); err != nil || k.IsPrivate() {
			return fmt.Errorf("xpub ref %q is not an extended public key", abbreviateRef(ref))
		}
	}
	return nil
}

func isTxID(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == 32
}

func abbreviateRef(s string) string {
	if len(s) > 70 {
		return s[:67] + "..."
	}
	return s
}
