package keys

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"
	"github.com/tyler-smith/go-bip39"

	"github.com/treasury-dev/treasury/vault"
)

// FileVersion is the version of the key file payload this package writes.
const FileVersion = 1

// DefaultEntropyBits is the entropy of a new seed: 256 bits, 24 words.
const DefaultEntropyBits = 256

var (
	// ErrInvalidMnemonic is returned when a recovery phrase has an unknown
	// word, a wrong number of words or a wrong checksum.
	ErrInvalidMnemonic = errors.New("invalid BIP-39 recovery phrase")
	// ErrZeroed is returned when a File is used after Zero wiped it.
	ErrZeroed = errors.New("key file was wiped from memory and can no longer be used")
)

// File is one key holder's signer: a BIP-39 seed with its name, network and
// the descriptors the holder has registered. The seed never leaves the File
// except encrypted by Save.
type File struct {
	// Version is the payload version the file was read with or will be
	// written with (FileVersion).
	Version int
	// Name is the holder's name, such as "alice".
	Name string
	// Network is the vault.Network name the key is for ("regtest", …).
	Network string
	// Fingerprint is the master key fingerprint:
	// HASH160(master compressed public key)[:4].
	Fingerprint vault.Fingerprint
	// Registered lists the descriptors this signer trusts, in their
	// canonical String() form.
	Registered []string

	// labels holds what the export said about each registered
	// descriptor (vault name, generation), keyed by its canonical text.
	labels map[string]label

	net        vault.Network
	mnemonic   []byte // normalized words, single spaces
	passphrase []byte // BIP-39 passphrase ("25th word")
	seed       []byte // 64-byte BIP-39 seed
	zeroed     bool
	state      signerState // policy, anchors, spend log (anchors.go)
}

// New makes a key from fresh entropy (DefaultEntropyBits gives 24 words) and
// returns it with its recovery phrase, which the caller must show the
// holder once and then drop.
func New(name string, net vault.Network, entropyBits int, bip39Passphrase string) (*File, string, error) {
	entropy, err := bip39.NewEntropy(entropyBits)
	if err != nil {
		return nil, "", fmt.Errorf("unable to make a seed of %d bits: %w", entropyBits, err)
	}
	defer zero(entropy)
	mnemonic, err := bip39.NewMnemonic(entropy)
	if err != nil {
		return nil, "", fmt.Errorf("unable to encode the seed as words: %w", err)
	}
	f, err := FromMnemonic(name, net, mnemonic, bip39Passphrase)
	if err != nil {
		return nil, "", err
	}
	return f, mnemonic, nil
}

// FromMnemonic restores a key from its recovery phrase. The words are
// checked against the BIP-39 English list and their checksum; case and
// spacing are normalized.
func FromMnemonic(name string, net vault.Network, mnemonic, bip39Passphrase string) (*File, error) {
	if strings.TrimSpace(name) == "" {
		return nil, errors.New("key name must not be empty")
	}
	if net.Params == nil {
		return nil, errors.New("key network is not set")
	}
	words, err := normalizeMnemonic(mnemonic)
	if err != nil {
		return nil, err
	}
	if err := checkPassphrase(bip39Passphrase); err != nil {
		return nil, err
	}
	f := &File{
		Version:    FileVersion,
		Name:       name,
		Network:    net.Name,
		net:        net,
		mnemonic:   []byte(words),
		passphrase: []byte(bip39Passphrase),
	}
	if err := f.init(words, bip39Passphrase); err != nil {
		f.Zero()
		return nil, err
	}
	return f, nil
}

// init computes the seed and the master fingerprint.
func (f *File) init(words, bip39Passphrase string) error {
	f.seed = bip39.NewSeed(words, bip39Passphrase)
	master, err := hdkeychain.NewMaster(f.seed, f.net.Params)
	if err != nil {
		return fmt.Errorf("unable to make the master key from the seed: %w", err)
	}
	defer master.Zero()
	pub, err := master.ECPubKey()
	if err != nil {
		return fmt.Errorf("unable to compute the master public key: %w", err)
	}
	copy(f.Fingerprint[:], address.Hash160(pub.SerializeCompressed())[:4])
	return nil
}

// normalizeMnemonic lowercases the words, joins them with single spaces and
// validates them. Errors name a word's position, never the word.
func normalizeMnemonic(mnemonic string) (string, error) {
	words := strings.Fields(strings.ToLower(mnemonic))
	if !slices.Contains([]int{12, 15, 18, 21, 24}, len(words)) {
		return "", fmt.Errorf("%w: it has %d words, not 12, 15, 18, 21 or 24", ErrInvalidMnemonic, len(words))
	}
	for i, w := range words {
		if _, ok := bip39.GetWordIndex(w); !ok {
			return "", fmt.Errorf("%w: word %d is not in the BIP-39 English word list", ErrInvalidMnemonic, i+1)
		}
	}
	joined := strings.Join(words, " ")
	entropy, err := bip39.EntropyFromMnemonic(joined)
	if err != nil {
		return "", fmt.Errorf("%w: its checksum is wrong, so a word is mistyped or out of order", ErrInvalidMnemonic)
	}
	zero(entropy)
	return joined, nil
}

// checkPassphrase refuses BIP-39 passphrases that other wallets could turn
// into a different seed. BIP-39 NFKD-normalizes the passphrase; without a
// Unicode normalization library in our dependency set, printable ASCII (which
// NFKD leaves unchanged) is the only safe set.
func checkPassphrase(p string) error {
	for _, r := range p {
		if r < 0x20 || r > 0x7e {
			return errors.New("BIP-39 passphrase must be printable ASCII so that every wallet derives the same seed from it")
		}
	}
	return nil
}

// NetworkParams returns the vault network the key is for.
func (f *File) NetworkParams() vault.Network { return f.net }

// String describes the key without any secret. It has a value receiver so
// that printing a File value, not only a pointer, cannot show the seed.
func (f File) String() string {
	return fmt.Sprintf("key %q (fingerprint %s, %s)", f.Name, f.Fingerprint, f.Network)
}

// GoString is String, so that %#v cannot print the secret fields.
func (f File) GoString() string { return f.String() }

// Zero wipes the mnemonic, passphrase and seed bytes. The File is unusable
// afterwards: every method that needs the seed returns ErrZeroed.
func (f *File) Zero() {
	zero(f.mnemonic)
	zero(f.passphrase)
	zero(f.seed)
	f.mnemonic, f.passphrase, f.seed = nil, nil, nil
	f.zeroed = true
}

// master returns the BIP-32 master private key; the caller must Zero it.
func (f *File) master() (*hdkeychain.ExtendedKey, error) {
	if f.zeroed || len(f.seed) == 0 {
		return nil, ErrZeroed
	}
	return hdkeychain.NewMaster(f.seed, f.net.Params)
}

func zero(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
