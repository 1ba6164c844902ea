package keys

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"filippo.io/age"
	"filippo.io/age/armor"

	"github.com/treasury-dev/treasury/internal/atomicfile"
	"github.com/treasury-dev/treasury/vault"
)

// ScryptWorkFactor is the scrypt work factor (log2 N) Save encrypts with.
// 18 takes about a second. Tests and testscript scripts lower it (to 10, say)
// to stay fast; production code must not change it.
var ScryptWorkFactor = 18

// maxLoadWorkFactor caps the scrypt work Load accepts from a file, so that a
// crafted file cannot make Load run for minutes. The fuzz test lowers it.
var maxLoadWorkFactor = 22

// maxFileSize bounds what Load reads: a key file is a few kilobytes even with
// hundreds of registered descriptors.
const maxFileSize = 1 << 20

// payloadFormat marks the decrypted payload as ours.
const payloadFormat = "treasury-key"

var (
	// ErrWrongPassphrase is returned by Load when the passphrase does not
	// decrypt the key file.
	ErrWrongPassphrase = errors.New("wrong passphrase for this key file")
	// ErrCorrupt is returned by Load when the file is truncated, altered or
	// not a key file at all.
	ErrCorrupt = errors.New("key file is damaged or is not a treasury key file")
	// ErrUnsupportedVersion is returned by Load for a key file written by a
	// newer version of this program.
	ErrUnsupportedVersion = errors.New("key file was written by a newer version of this program")
	// ErrEmptyPassphrase is returned when a key file passphrase is empty.
	ErrEmptyPassphrase = errors.New("key file passphrase must not be empty")
	// ErrExists is returned by SaveNew when the destination already exists.
	ErrExists = errors.New("a file already exists at that path")
)

// payload is the JSON document inside the encryption.
type payload struct {
	Format          string   `json:"format"`
	Version         int      `json:"version"`
	Name            string   `json:"name"`
	Network         string   `json:"network"`
	Mnemonic        string   `json:"mnemonic"`
	BIP39Passphrase string   `json:"bip39_passphrase"`
	Registered      []string `json:"registered"`
	// Labels name the vault and generation of registered descriptors;
	// files written before it existed have none.
	Labels map[string]label `json:"labels,omitempty"`
	// signerState (anchors.go): the spending policy, the anchors seen and
	// the spends signed; files written before it existed have none.
	signerState
}

// SaveNew writes the key file to path, encrypted with passphrase, and
// refuses (ErrExists) if anything already exists there.
func (f *File) SaveNew(path string, passphrase []byte) error {
	return f.save(path, passphrase, false)
}

// Save writes the key file to path, encrypted with passphrase, replacing any
// file there atomically. Use it to rewrite a key file after Register.
func (f *File) Save(path string, passphrase []byte) error {
	return f.save(path, passphrase, true)
}

func (f *File) save(path string, passphrase []byte, replace bool) error {
	if f.zeroed {
		return ErrZeroed
	}
	if len(passphrase) == 0 {
		return ErrEmptyPassphrase
	}
	data, err := f.encrypt(passphrase)
	if err != nil {
		return fmt.Errorf("unable to encrypt key file %s: %w", path, err)
	}
	write := atomicfile.WriteNew
	if replace {
		write = atomicfile.Replace
		if err := f.state.checkUnchanged(path); err != nil {
			return fmt.Errorf("unable to write key file %s: %w", path, err)
		}
	}
	err = write(path, data, 0o600)
	if errors.Is(err, atomicfile.ErrExists) {
		return fmt.Errorf("unable to write key file %s: %w", path, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("unable to write key file: %w", err)
	}
	f.state.noteLoaded(path, data) // a later Save by this File is not a conflict
	return nil
}

// encrypt returns the armored age file holding the payload.
func (f *File) encrypt(passphrase []byte) ([]byte, error) {
	plain, err := json.Marshal(payload{
		Format:          payloadFormat,
		Version:         FileVersion,
		Name:            f.Name,
		Network:         f.Network,
		Mnemonic:        string(f.mnemonic),
		BIP39Passphrase: string(f.passphrase),
		Registered:      f.Registered,
		Labels:          f.labels,
		signerState:     f.state,
	})
	if err != nil {
		return nil, err
	}
	defer zero(plain)
	r, err := age.NewScryptRecipient(string(passphrase))
	if err != nil {
		return nil, err
	}
	r.SetWorkFactor(ScryptWorkFactor)
	var out bytes.Buffer
	aw := armor.NewWriter(&out)
	w, err := age.Encrypt(aw, r)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(plain); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if err := aw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Load reads and decrypts a key file. It returns ErrWrongPassphrase when the
// passphrase does not open the file and ErrCorrupt when the file is
// truncated, altered or not a key file. (age cannot tell a wrong passphrase
// from damage to the one line of the header that wraps the file key: that
// case reports ErrWrongPassphrase too.)
func Load(path string, passphrase []byte) (*File, error) {
	raw, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	f, err := decode(raw, passphrase)
	if err != nil {
		return nil, fmt.Errorf("unable to load key file %s: %w", path, err)
	}
	f.state.noteLoaded(path, raw)
	return f, nil
}

func readLimited(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("unable to open key file: %w", err)
	}
	defer fh.Close()
	raw, err := io.ReadAll(io.LimitReader(fh, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("unable to read key file %s: %w", path, err)
	}
	if len(raw) > maxFileSize {
		return nil, fmt.Errorf("unable to load key file %s: %w: it is larger than %d bytes", path, ErrCorrupt, maxFileSize)
	}
	return raw, nil
}

// decode decrypts and parses the bytes of a key file.
func decode(raw, passphrase []byte) (*File, error) {
	if len(passphrase) == 0 {
		return nil, ErrEmptyPassphrase
	}
	plain, err := decrypt(raw, passphrase)
	if err != nil {
		return nil, err
	}
	defer zero(plain)
	var p payload
	if err := json.Unmarshal(plain, &p); err != nil || p.Format != payloadFormat {
		return nil, fmt.Errorf("%w: it decrypts, but not to a key", ErrCorrupt)
	}
	return fromPayload(&p)
}

// decrypt opens an armored or binary age file with a scrypt passphrase.
func decrypt(raw, passphrase []byte) ([]byte, error) {
	var src io.Reader = bytes.NewReader(raw)
	br := bufio.NewReader(src)
	if start, _ := br.Peek(len(armor.Header)); string(start) == armor.Header {
		src = armor.NewReader(br)
	} else {
		src = br
	}
	id, err := age.NewScryptIdentity(string(passphrase))
	if err != nil {
		return nil, err
	}
	id.SetMaxWorkFactor(max(maxLoadWorkFactor, ScryptWorkFactor))
	r, err := age.Decrypt(src, id)
	if err != nil {
		var nomatch *age.NoIdentityMatchError
		if errors.As(err, &nomatch) && slices.Equal(nomatch.StanzaTypes, []string{"scrypt"}) {
			return nil, ErrWrongPassphrase
		}
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	plain, err := io.ReadAll(io.LimitReader(r, maxFileSize))
	if err != nil {
		zero(plain)
		return nil, fmt.Errorf("%w: its encrypted contents are truncated or were altered", ErrCorrupt)
	}
	return plain, nil
}

// fromPayload validates a decrypted payload and rebuilds the File.
func fromPayload(p *payload) (*File, error) {
	if p.Version > FileVersion {
		return nil, fmt.Errorf("%w: version %d, this program reads up to %d", ErrUnsupportedVersion, p.Version, FileVersion)
	}
	if p.Version < 1 {
		return nil, fmt.Errorf("%w: its version %d is not valid", ErrCorrupt, p.Version)
	}
	net, err := vault.ParseNetwork(p.Network)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	f, err := FromMnemonic(p.Name, net, p.Mnemonic, p.BIP39Passphrase)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	f.Version = p.Version
	f.Registered = append([]string(nil), p.Registered...)
	f.labels = p.Labels
	f.state = p.signerState
	return f, nil
}
