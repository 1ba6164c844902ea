package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Reading the vault exports a signer is handed: the file a coordinator wrote
// with 'treasury vault export' (any format that carries descriptors), a
// Bitcoin Core importdescriptors array or listdescriptors result, a BIP-129
// (BSMS) descriptor record, a Specter wallet file, or Sparrow's output
// descriptor text. The reader only finds and parses the descriptors; whether
// a signer may trust them is decided elsewhere (internal/keys).

// MaxExportSize bounds what ReadExport reads. A vault export is a few
// kilobytes even with many generations; a larger input is not one.
const MaxExportSize = 1 << 20

var (
	// ErrExportTooLarge: the input is larger than MaxExportSize.
	ErrExportTooLarge = errors.New("vault export is too large")
	// ErrNoDescriptor: the input holds no descriptor this package reads.
	ErrNoDescriptor = errors.New("holds no descriptor")
	// ErrBadRecord: a BIP-129 record whose lines contradict each other (its
	// first address is not the descriptor's) or are missing.
	ErrBadRecord = errors.New("invalid BSMS record")
	// ErrBadName: a wallet name in the file would not print as itself on
	// one line (a control character, invalid UTF-8).
	ErrBadName = errors.New("unprintable name")
)

// FileFormat names the kind of file ReadExport recognised.
type FileFormat string

// The formats ReadExport reads.
const (
	// FileTreasury is 'treasury vault export --json' (any --format).
	FileTreasury FileFormat = "treasury"
	// FileCore is Bitcoin Core's importdescriptors array or its
	// listdescriptors result.
	FileCore FileFormat = "core"
	// FileBSMS is a BIP-129 descriptor record ("BSMS 1.0").
	FileBSMS FileFormat = "bsms"
	// FileSpecter is a Specter wallet file (label, descriptor).
	FileSpecter FileFormat = "specter"
	// FileText is descriptors one per line, '#' comments allowed:
	// 'treasury vault export' without --json, and Sparrow's output
	// descriptor export.
	FileText FileFormat = "text"
	// FileJSON is any other JSON document: every string value that is a
	// descriptor.
	FileJSON FileFormat = "json"
)

// Export is what a vault export file holds.
type Export struct {
	Format FileFormat
	// Entries are the wallets in the file, in file order, each once: the
	// receive and change halves of one wallet are one entry.
	Entries []ExportEntry
}

// ExportEntry is one wallet of an export.
type ExportEntry struct {
	// Descriptor is the whole wallet: a "/0/*" or "/1/*" descriptor of the
	// file is widened to "/<0;1>/*", since both chains derive from the same
	// keys.
	Descriptor *Descriptor
	// Vault is the wallet's name when the file gives one, else "".
	Vault string
	// Generation is the vault generation when the file gives it, else -1.
	Generation int
	// KeyNames names the keys, in Descriptor key order, when the file
	// does (a Caravan configuration); nil otherwise.
	KeyNames []string
	// Timestamp is the wallet's birth as a unix time when the file gives
	// one (Bitcoin Core's timestamp), else 0.
	Timestamp int64
	// Height is the wallet's birth as a block height when the file gives
	// one (Specter's and FullyNoded's blockheight), else 0.
	Height int32
}

// ReadExport reads at most MaxExportSize bytes of r and parses them with
// ParseExport. A longer input is refused with ErrExportTooLarge as soon as
// the limit is passed, without reading the rest.
func ReadExport(r io.Reader) (*Export, error) {
	if f, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > MaxExportSize {
			return nil, fmt.Errorf("%w: it is larger than %d bytes", ErrExportTooLarge, MaxExportSize)
		}
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxExportSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxExportSize {
		return nil, fmt.Errorf("%w: it is larger than %d bytes", ErrExportTooLarge, MaxExportSize)
	}
	return ParseExport(b)
}

// ParseExport finds the wallets in an export file. A string that looks like
// a descriptor (it starts with "wsh(", "sh(wsh(" or "tr(") but does not
// parse fails the whole file: a damaged export is not half trusted.
func ParseExport(b []byte) (*Export, error) {
	if len(b) > MaxExportSize {
		return nil, fmt.Errorf("%w: it is larger than %d bytes", ErrExportTooLarge, MaxExportSize)
	}
	trimmed := bytes.TrimSpace(b)
	var (
		e   *Export
		err error
	)
	switch {
	case bytes.HasPrefix(trimmed, []byte("BSMS ")):
		e, err = parseBSMS(string(trimmed))
	case json.Valid(trimmed) && len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '['):
		e, err = parseJSONExport(trimmed)
	case isColdcardText(string(trimmed)):
		e, err = parseColdcard(string(trimmed))
	default:
		e, err = parseTextExport(string(b))
	}
	if err != nil {
		return nil, err
	}
	if len(e.Entries) == 0 {
		return nil, ErrNoDescriptor
	}
	return e, nil
}

// looksLikeDescriptor is true for the script functions a multisig wallet
// export writes; other strings in a file are not descriptors.
func looksLikeDescriptor(s string) bool {
	return strings.HasPrefix(s, "wsh(") || strings.HasPrefix(s, "sh(wsh(") || strings.HasPrefix(s, "tr(")
}

// add parses text and appends it to e unless an Equal wallet is there;
// a later entry fills in a name or generation the earlier one lacked.
func (e *Export) add(text, vaultName string, generation int) error {
	if !printableName(vaultName) {
		return fmt.Errorf("%w: its wallet name %q holds a control character or invalid UTF-8, which would print as other lines", ErrBadName, vaultName)
	}
	d, err := ParseDescriptor(text)
	if err != nil {
		return err
	}
	if d, err = Wallet(d); err != nil {
		return err
	}
	for i := range e.Entries {
		if have := &e.Entries[i]; have.Descriptor.Equal(d) {
			if have.Vault == "" {
				have.Vault = vaultName
			}
			if have.Generation < 0 {
				have.Generation = generation
			}
			return nil
		}
	}
	e.Entries = append(e.Entries, ExportEntry{Descriptor: d, Vault: vaultName, Generation: generation})
	return nil
}

// Wallet turns a single-chain descriptor ("/0/*") into the wallet it is
// half of ("/<0;1>/*"); a multipath descriptor is returned as is. Trusting
// a wallet's receive chain means trusting its change chain, which derives
// from the same keys.
func Wallet(d *Descriptor) (*Descriptor, error) {
	if len(d.Keys) == 0 || d.Keys[0].Multipath {
		return d, nil
	}
	keys := make([]Key, len(d.Keys))
	for i, k := range d.Keys {
		k.Multipath, k.Chain = true, 0
		keys[i] = k
	}
	return NewDescriptor(d.Type, d.Threshold, keys)
}

// parseTextExport reads descriptors one per line; '#' starts a comment
// line. A BIP-129 template's "/**" stands for "/<0;1>/*".
func parseTextExport(s string) (*Export, error) {
	e := &Export{Format: FileText}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if !looksLikeDescriptor(line) {
			continue
		}
		if err := e.add(strings.ReplaceAll(line, "/**", "/<0;1>/*"), "", -1); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// parseBSMS reads a BIP-129 descriptor record: exactly the four lines
// "BSMS 1.0", the descriptor template, the path restrictions ("/0/*,/1/*"
// for a "/**" template: other chains are not a wallet this treasury
// watches) and the first address, which must be index 0 of the
// descriptor's first chain.
func parseBSMS(s string) (*Export, error) {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	if len(lines) != 4 || strings.TrimSpace(lines[0]) != "BSMS 1.0" {
		return nil, fmt.Errorf("%w: it needs exactly four lines, the first \"BSMS 1.0\"", ErrBadRecord)
	}
	template := strings.TrimSpace(lines[1])
	restrictions := strings.TrimSpace(lines[2])
	if strings.Contains(template, "/**") && restrictions != "/0/*,/1/*" {
		return nil, fmt.Errorf("%w: its path restrictions %q are not \"/0/*,/1/*\", the receive and change chains this treasury watches", ErrBadRecord, restrictions)
	}
	d, err := ParseDescriptor(strings.ReplaceAll(template, "/**", "/<0;1>/*"))
	if errors.Is(err, ErrUnsupportedDerivation) && restrictions == "No path restrictions" {
		d, err = parseAnyPathTemplate(template)
	}
	if err != nil {
		return nil, err
	}
	if addr := strings.TrimSpace(lines[3]); checkFirstAddress(d, addr) != nil {
		return nil, fmt.Errorf("%w: its first address %q is not the descriptor's", ErrBadRecord, addr)
	}
	e := &Export{Format: FileBSMS}
	if err := e.add(d.String(), "", -1); err != nil {
		return nil, err
	}
	return e, nil
}

// parseAnyPathTemplate reads the template Nunchuk writes in a BSMS record
// with "No path restrictions": each key ends in "/*" (any path below it),
// and the record's first address is index 0 of the receive chain. It is
// read as the receive and change wallet "/<0;1>/*", which the caller then
// holds to that first address: the record itself confirms the reading.
func parseAnyPathTemplate(template string) (*Descriptor, error) {
	body, err := splitChecksum(template)
	if err != nil {
		return nil, err
	}
	return ParseDescriptor(anyPathKey.ReplaceAllString(body, "$1/<0;1>/*"))
}

// anyPathKey is an extended key followed directly by "/*".
var anyPathKey = regexp.MustCompile(`([a-km-zA-HJ-NP-Z1-9]{100,})/\*`)

// printableName reports whether a name a file gives (a wallet's, a key's)
// prints as itself on one line: valid UTF-8 without control characters (a
// newline, a tab, a terminal escape). Signers are shown these names next to
// the role of a descriptor; a name with a newline could forge that line.
func printableName(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
}
