package app

import (
	"time"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// GenState is the lifecycle state of a vault generation.
type GenState string

// Generation states, in the order a generation passes through them.
const (
	Standby GenState = "standby" // registered in advance; receives the next rotation
	Cold    GenState = "cold"    // active: receives deposits; exactly one per vault
	Hot     GenState = "hot"     // has signed at least once; may keep a float
	Retired GenState = "retired" // empty and done
)

// Vault is a family of M-of-N wallets with one name and one network.
type Vault struct {
	ID        int64
	Name      string
	Network   string
	HotFloat  btcutil.Amount // what a spent generation may keep after a rotation
	ColdAbove btcutil.Amount // transfers at or above this come from cold; 0: no rule
	CreatedAt time.Time
	// Gap is how many unused addresses past the last used one are watched
	// on each chain of each generation (0: GapLimit).
	Gap uint32
}

// GapOf is the vault's address gap.
func (v *Vault) GapOf() uint32 {
	if v.Gap == 0 {
		return GapLimit
	}
	return v.Gap
}

// Holder is one key of a generation: who holds it and where it comes from.
type Holder struct {
	Position    int
	Name        string
	Fingerprint string // 8 hex digits
	OriginPath  string // m/48'/1'/0'/2'
	XPub        string
}

// Generation is one concrete wallet of a vault.
type Generation struct {
	ID         int64
	VaultID    int64
	Number     int
	State      GenState
	Threshold  int
	Descriptor string // canonical multipath form with checksum
	Birthday   int32  // block height from which sync scans
	// UTXOSetAt is the height of the node's UTXO set the generation's
	// outputs were read from at import (vault create/import
	// --from-utxo-set); its blocks from Birthday to there were not
	// scanned. 0: scanned from Birthday.
	UTXOSetAt   int32
	NextReceive uint32 // next unused receive index
	NextChange  uint32 // next unused change index
	Holders     []Holder
	CreatedAt   time.Time
}

// Script is one derived output script the sync watches for.
type Script struct {
	PkScript     []byte
	GenerationID int64
	Chain, Index uint32
	Used         bool
}

// UTXO is an output paying one of our scripts.
type UTXO struct {
	OutPoint     wire.OutPoint
	Value        btcutil.Amount
	PkScript     []byte
	GenerationID int64
	Chain, Index uint32
	Height       int32 // 0 while unconfirmed
	BlockHash    string
	Coinbase     bool
	PrevTx       []byte // the full transaction that created it, serialized
	SpentBy      string // txid of the spending transaction, if seen
	SpentHeight  int32
	ReservedBy   string // proposal id holding it, if any
}

// ProposalState is where a proposal is in its life.
type ProposalState string

// Proposal states.
const (
	Collecting ProposalState = "collecting"
	Ready      ProposalState = "ready"
	Broadcast  ProposalState = "broadcast"
	Confirmed  ProposalState = "confirmed"
	Cancelled  ProposalState = "cancelled"
	Replaced   ProposalState = "replaced"
	Failed     ProposalState = "failed"
)

// Live reports whether a proposal in this state still holds its inputs.
func (s ProposalState) Live() bool {
	return s == Collecting || s == Ready || s == Broadcast
}

// Proposal is one intended transaction and its merged PSBT.
type Proposal struct {
	ID           string // the unsigned txid
	VaultID      int64
	GenerationID int64 // the generation whose inputs it spends
	TargetGenID  int64 // the generation receiving the remainder (0: none)
	Kind         string
	State        ProposalState
	Memo         string
	Fee          btcutil.Amount
	VSize        int64
	PSBT         []byte // the merged PSBT, binary
	Outputs      []ProposalOutput
	TxID         string // the final txid once broadcast
	Height       int32  // confirmation height
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// SendingSince marks a broadcast in flight: set with the intent to
	// send, cleared once the send's outcome is recorded (zero: none).
	SendingSince time.Time
}

// ProposalOutput is one output of a proposal as it was proposed.
type ProposalOutput struct {
	Index        int
	Value        btcutil.Amount
	Address      string
	GenerationID int64 // 0 for a payment leaving the vault family
}

// Signature is one verified partial signature.
type Signature struct {
	ProposalID  string
	Input       int
	PubKey      []byte
	Fingerprint string
	Sig         []byte
	VerifiedAt  time.Time
}

// UTXOFilter selects outputs; zero fields do not filter.
type UTXOFilter struct {
	VaultID      int64
	GenerationID int64
	Unspent      bool // not spent at all
	Unconfirmed  bool // not in a block yet
	SpendPending bool // spent by a transaction not in a block yet
	Live         bool // not spent in a block: unspent, or its spend is pending
	ReservedBy   string
}
