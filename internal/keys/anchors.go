package keys

import (
	"crypto/sha256"
	"errors"
	"path/filepath"
	"slices"
	"time"

	"github.com/btcsuite/btcd/btcutil/v2"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"

	"github.com/treasury-dev/treasury/psbt"
)

// AnchorRecord is an audit head a PSBT carried when this key signed it:
// the coordinator's log must still contain entry Seq with hash Hash, which
// `treasury audit verify --anchors` checks against what holders recorded.
type AnchorRecord struct {
	Vault      string    `json:"vault"`
	Seq        int64     `json:"seq"`
	Hash       string    `json:"hash"`
	TxID       string    `json:"proposal"`
	RecordedAt time.Time `json:"recorded_at"`
}

// maxRecords bounds the anchor records in the key file (about 250 bytes
// each, well inside the key file size limit); the oldest go first.
// The spend log only needs 24 hours; anchors are kept for as long as fits.
const maxRecords = 1000

// signerState is the key file's section for what the signer enforces and
// remembers: its spending policy, the anchors it saw and the spends it
// signed. It is encrypted with the rest of the key file.
type signerState struct {
	Policy  *Policy        `json:"policy,omitempty"`
	Anchors []AnchorRecord `json:"anchors,omitempty"`
	Signed  []Spend        `json:"signed,omitempty"`

	clock func() time.Time
	// loadedFrom and loaded are the path Load read and the SHA-256 of the
	// bytes it read there: Save refuses to replace a file that changed
	// since, so that two signings at once cannot lose one's spend record.
	loadedFrom string
	loaded     [32]byte
}

// ErrChangedOnDisk is returned by Save when the key file changed after it
// was loaded: another command wrote it in the meantime.
var ErrChangedOnDisk = errors.New("the key file changed on disk since it was loaded (another treasury command wrote it); nothing was written, run the command again")

// noteLoaded remembers what Load read, for checkUnchanged.
func (s *signerState) noteLoaded(path string, raw []byte) {
	s.loadedFrom, s.loaded = absPath(path), sha256.Sum256(raw)
}

// checkUnchanged refuses to replace path when it is the file this File was
// loaded from and its bytes are no longer the ones loaded.
func (s *signerState) checkUnchanged(path string) error {
	if s.loadedFrom == "" || s.loadedFrom != absPath(path) {
		return nil
	}
	raw, err := readLimited(path)
	if err != nil {
		return err
	}
	if sha256.Sum256(raw) != s.loaded {
		return ErrChangedOnDisk
	}
	return nil
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func (s *signerState) now() time.Time {
	if s.clock != nil {
		return s.clock().UTC()
	}
	return time.Now().UTC()
}

// SetClock replaces the signer's clock (nil: the system clock). The delay
// of an allowlist entry and the daily cap are measured by it.
func (f *File) SetClock(now func() time.Time) { f.state.clock = now }

// Policy returns the key file's spending policy.
func (f *File) Policy() Policy {
	if f.state.Policy == nil {
		return Policy{}
	}
	return *f.state.Policy
}

// ChangePolicy applies c to the key file's policy at the signer's clock.
// The caller saves the file with its passphrase: changing a policy takes
// the passphrase, like signing.
func (f *File) ChangePolicy(c PolicyChange) (Policy, error) {
	p, err := f.Policy().Apply(c, f.state.now())
	if err != nil {
		return Policy{}, err
	}
	f.state.Policy = &p
	return p, nil
}

// Anchors returns the anchors this key recorded, oldest first.
func (f *File) Anchors() []AnchorRecord { return slices.Clone(f.state.Anchors) }

// SignedLog returns the spends this key signed that the daily cap counts.
func (f *File) SignedLog() []Spend { return slices.Clone(f.state.Signed) }

// CheckPolicy refuses r when what leaves the vault family breaks the key
// file's policy now. Sign calls it; a front end may call it first to refuse
// before asking for confirmation.
func (f *File) CheckPolicy(r *Review) error {
	if r == nil {
		return refuse(ErrReviewMismatch, "there is no review to check")
	}
	return f.Policy().Check(f.state.now(), r.TxID.String(), LeavingOutputs(r), r.historyFor(f.state.Signed))
}

// recordSigning adds what Sign just signed to the spend log, and the
// anchor p carries (if any) to the anchor records. The caller must save
// the file before it hands out the signed PSBT, or the daily cap would not
// see this spend.
func (f *File) recordSigning(p *btcpsbt.Packet, r *Review) {
	now := f.state.now()
	txid := r.TxID.String()
	f.state.Signed = r.historyFor(f.state.Signed) // a fee bump takes the replaced one's place
	if !slices.ContainsFunc(f.state.Signed, func(s Spend) bool { return s.TxID == txid }) {
		var sum int64
		for _, o := range LeavingOutputs(r) {
			sum += int64(o.Value)
		}
		f.state.Signed = append(f.state.Signed, Spend{TxID: txid, At: now, Amount: btcutil.Amount(sum)})
	}
	f.state.Signed = slices.DeleteFunc(f.state.Signed, func(s Spend) bool { return now.Sub(s.At) > 2*dayWindow })
	if a, ok, err := psbt.AnchorOf(p); ok && err == nil {
		dup := slices.ContainsFunc(f.state.Anchors, func(x AnchorRecord) bool { return x.Seq == a.Seq && x.Hash == a.Hash })
		if !dup {
			f.state.Anchors = append(f.state.Anchors, AnchorRecord{Vault: f.vaultName(r, a.Vault), Seq: a.Seq, Hash: a.Hash, TxID: txid, RecordedAt: now})
		}
	}
	if n := len(f.state.Anchors); n > maxRecords {
		f.state.Anchors = slices.Clone(f.state.Anchors[n-maxRecords:])
	}
}

// vaultName is the name this key file registered the first signed input's
// descriptor under, else the label the PSBT carried.
func (f *File) vaultName(r *Review, fromPSBT string) string {
	for _, in := range r.Inputs {
		if l, ok := f.labels[in.Descriptor]; ok && in.Signable && l.Vault != "" {
			return l.Vault
		}
	}
	return fromPSBT
}
