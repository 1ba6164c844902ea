package vault

import (
	"errors"
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/address/v2/base58"
	"github.com/btcsuite/btcd/address/v2/bech32"
)

// Errors DecodeAddress wraps, so a front end can say what is wrong with an
// address someone typed or pasted. None of the messages ever contains a
// corrected checksum: BIP-173 asks decoders not to suggest corrections,
// since a "corrected" address may pay a script nobody holds.
var (
	// ErrNotAddress: the text is not a bitcoin address at all (another
	// coin's address, a key, a truncated string, an unsupported kind).
	ErrNotAddress = errors.New("not a bitcoin address")
	// ErrAddressChecksum: the text has the shape of an address but its
	// checksum does not match: a character is mistyped, missing or swapped.
	ErrAddressChecksum = errors.New("address checksum mismatch")
	// ErrAddressNetwork: a valid address, but for another network.
	ErrAddressNetwork = errors.New("address of another network")
)

// AddressError is what DecodeAddress returns: one sentence for the user;
// errors.Is matches its Kind (ErrNotAddress, ErrAddressChecksum or
// ErrAddressNetwork).
type AddressError struct {
	Kind error
	msg  string
}

// Error returns the sentence, without the kind's own text.
func (e *AddressError) Error() string { return e.msg }

// Unwrap exposes the kind to errors.Is.
func (e *AddressError) Unwrap() error { return e.Kind }

func addrErrorf(kind error, format string, args ...any) error {
	return &AddressError{Kind: kind, msg: fmt.Sprintf(format, args...)}
}

// bech32 human-readable parts (BIP-173) and the networks that use them.
var hrpNetworks = map[string]string{
	"bc":   "a mainnet",
	"tb":   "a testnet or signet",
	"bcrt": "a regtest",
}

// DecodeAddress parses a bitcoin address for net and says, in one sentence,
// what is wrong when it cannot: a wrong checksum, another network, or not
// an address. It accepts P2PKH, P2SH, P2WPKH, P2WSH and P2TR addresses and
// refuses bare public keys, pay-to-anchor (anyone can spend it) and
// witness versions this tool cannot pay.
func DecodeAddress(s string, net Network) (address.Address, error) {
	if strings.TrimSpace(s) == "" {
		return nil, addrErrorf(ErrNotAddress, "the address is empty")
	}
	if s != strings.TrimSpace(s) {
		return nil, addrErrorf(ErrNotAddress, "address %q has spaces around it", s)
	}
	if hrp, ok := bech32HRP(s); ok {
		return decodeBech32(s, hrp, net)
	}
	return decodeBase58(s, net)
}

// bech32HRP returns the lower-cased human-readable part when s starts like
// a segwit address of some bitcoin network ("bc1", "tb1", "bcrt1", in
// either case), even when a typo put a stray '1' further on.
func bech32HRP(s string) (string, bool) {
	low := strings.ToLower(s)
	for _, hrp := range []string{"bcrt", "bc", "tb"} {
		if strings.HasPrefix(low, hrp+"1") {
			return hrp, true
		}
	}
	return "", false
}

// bech32Charset is the alphabet of a bech32 data part (BIP-173): no 1, b,
// i or o.
const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

func decodeBech32(s, hrp string, net Network) (address.Address, error) {
	if i := strings.IndexFunc(strings.ToLower(s[len(hrp)+1:]), func(r rune) bool {
		return !strings.ContainsRune(bech32Charset, r)
	}); i >= 0 {
		c := rune(s[len(hrp)+1+i])
		if c >= 0x80 || c < 0x20 {
			return nil, addrErrorf(ErrNotAddress, "%q contains a character no address contains", s)
		}
		return nil, addrErrorf(ErrAddressChecksum, "%s contains %q, which no bech32 address contains after its %q; copy it again from its source", s, c, s[:len(hrp)+1])
	}
	_, data, enc, err := bech32.DecodeGeneric(s)
	if err != nil {
		return nil, bech32Problem(s, err)
	}
	if hrp != net.Params.Bech32HRPSegwit {
		return nil, addrErrorf(ErrAddressNetwork, "%s is %s address; this treasury is on %s", s, hrpNetworks[hrp], net.Name)
	}
	if len(data) < 1 {
		return nil, addrErrorf(ErrNotAddress, "%s has no witness program", s)
	}
	// BIP-350: version 0 uses the bech32 checksum, later versions bech32m.
	if v := data[0]; v == 0 && enc != bech32.Version0 || v > 0 && enc != bech32.VersionM {
		return nil, addrErrorf(ErrAddressChecksum, "%s has a checksum of the wrong kind for its witness version (BIP-350); copy it again from its source", s)
	}
	if v := data[0]; v > 1 {
		return nil, addrErrorf(ErrNotAddress, "%s uses witness version %d, which treasury cannot pay yet", s, v)
	}
	a, err := address.DecodeAddress(s, net.Params)
	if err != nil {
		return nil, addrErrorf(ErrNotAddress, "%s has a witness program of a length no version-%d address has", s, data[0])
	}
	if _, anchor := a.(*address.AddressPayToAnchor); anchor {
		return nil, addrErrorf(ErrNotAddress, "%s is a pay-to-anchor address, which anyone can spend", s)
	}
	return a, nil
}

// bech32Problem explains a bech32 decoding error without repeating the
// library's text, which prints the checksum it expected.
func bech32Problem(s string, err error) error {
	var (
		sum     bech32.ErrInvalidChecksum
		char    bech32.ErrNonCharsetChar
		badChar bech32.ErrInvalidCharacter
		mixed   bech32.ErrMixedCase
		length  bech32.ErrInvalidLength
	)
	switch {
	case errors.As(err, &sum):
		return addrErrorf(ErrAddressChecksum, "%s has a wrong checksum: a character is mistyped, missing or swapped; copy it again from its source", s)
	case errors.As(err, &char):
		return addrErrorf(ErrAddressChecksum, "%s contains %q, which no bech32 address contains; copy it again from its source", s, rune(char))
	case errors.As(err, &badChar):
		return addrErrorf(ErrNotAddress, "%s contains a character no address contains", s)
	case errors.As(err, &mixed):
		return addrErrorf(ErrNotAddress, "%s mixes upper and lower case, which a bech32 address never does", s)
	case errors.As(err, &length):
		return addrErrorf(ErrNotAddress, "%s is too short or too long for an address", s)
	}
	return addrErrorf(ErrNotAddress, "%s is not a valid bech32 address", s)
}

// base58 version bytes of the address kinds on each side of the
// mainnet/test-network divide, and of WIF private keys.
const (
	mainP2PKH, mainP2SH, mainWIF = 0x00, 0x05, 0x80
	testP2PKH, testP2SH, testWIF = 0x6f, 0xc4, 0xef

	// maxBase58Address is the longest a base58 address can be (P2SH and
	// P2PKH are 25 bytes, at most 35 characters); WIF keys are longer, and
	// start with 5, K, L, 9 or c where addresses start with 1, 3, m, n or 2.
	maxBase58Address = 35
)

func decodeBase58(s string, net Network) (address.Address, error) {
	if isHex(s) && (len(s) == 66 || len(s) == 130) {
		return nil, addrErrorf(ErrNotAddress, "%s is a public key, not an address", s)
	}
	if looksPrivate(s) {
		// Never echo what may be a private key.
		return nil, addrErrorf(ErrNotAddress, "that looks like a private key, not an address; keep it secret")
	}
	if len(s) > maxBase58Address || !strings.ContainsAny(s[:1], "13mn2") {
		// Perhaps a mistyped or truncated key: never repeat it.
		return nil, addrErrorf(ErrNotAddress, "that text is not a bitcoin address (none starts that way or is that long); is it a key?")
	}
	payload, version, err := base58.CheckDecode(s)
	switch {
	case errors.Is(err, base58.ErrChecksum):
		return nil, addrErrorf(ErrAddressChecksum, "%s has a wrong checksum: a character is mistyped, missing or swapped; copy it again from its source", s)
	case err != nil, len(payload) != 20:
		return nil, addrErrorf(ErrNotAddress, "%q is not a bitcoin address", s)
	}
	main := version == mainP2PKH || version == mainP2SH
	test := version == testP2PKH || version == testP2SH
	switch {
	case !main && !test:
		return nil, addrErrorf(ErrNotAddress, "%s is not a bitcoin address (an address of another coin?)", s)
	case main && !net.IsMainnet():
		return nil, addrErrorf(ErrAddressNetwork, "%s is a mainnet address; this treasury is on %s", s, net.Name)
	case test && net.IsMainnet():
		return nil, addrErrorf(ErrAddressNetwork, "%s is a test-network address; this treasury is on mainnet", s)
	}
	a, err := address.DecodeAddress(s, net.Params)
	if err != nil || !a.IsForNet(net.Params) {
		return nil, addrErrorf(ErrAddressNetwork, "%s is not a %s address", s, net.Name)
	}
	return a, nil
}

// looksPrivate spots extended private keys and WIF keys by their prefix
// and version byte, so errors do not repeat them.
func looksPrivate(s string) bool {
	for _, p := range []string{"xprv", "tprv", "yprv", "zprv", "Yprv", "Zprv", "uprv", "vprv", "Uprv", "Vprv"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	payload, version, err := base58.CheckDecode(s)
	return err == nil && (version == mainWIF || version == testWIF) && (len(payload) == 32 || len(payload) == 33)
}

func isHex(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return true
}
