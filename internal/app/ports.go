package app

import (
	"context"
	"errors"
	"time"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/audit"
	"github.com/treasury-dev/treasury/psbt"
)

// Store is the persistence the use cases need. Update runs fn in one write
// transaction that commits only if fn returns nil; View gives a consistent
// read-only snapshot.
type Store interface {
	Update(ctx context.Context, fn func(Tx) error) error
	View(ctx context.Context, fn func(Tx) error) error
}

// Tx is what a use case may do inside one transaction.
type Tx interface {
	Meta(key string) (string, error)
	SetMeta(key, value string) error

	InsertVault(v *Vault) error
	VaultByName(name string) (*Vault, error)
	VaultByID(id int64) (*Vault, error)
	Vaults() ([]Vault, error)
	SetVaultPolicy(id int64, hotFloat, coldAbove btcutil.Amount) error
	// SetVaultGap stores the vault's address gap.
	SetVaultGap(id int64, gap uint32) error
	// SignerPolicy returns the JSON of a vault's signer policy (nil: none).
	SignerPolicy(vaultID int64) ([]byte, error)
	SetSignerPolicy(vaultID int64, policy []byte) error

	InsertGeneration(g *Generation) error
	Generations(vaultID int64) ([]Generation, error)
	AllGenerations() ([]Generation, error)
	Generation(id int64) (*Generation, error)
	SetGenerationState(id int64, s GenState) error
	SetNextIndex(genID int64, chain, next uint32) error
	// SetUTXOSetAt records that g's outputs were read from the node's
	// UTXO set as of height (Generation.UTXOSetAt).
	SetUTXOSetAt(genID int64, height int32) error

	InsertScripts(ss []Script) error
	Scripts(genID int64) ([]Script, error)
	MarkScriptUsed(pkScript []byte) error

	Cursor() (height int32, hash string, err error)
	BlockHashAt(height int32) (string, error)
	PutBlock(height int32, hash string) error
	RollbackAbove(height int32) error
	PutUTXO(u *UTXO) error
	// PutUnconfirmed records a mempool output unless it is known already.
	PutUnconfirmed(u *UTXO) (added bool, err error)
	DeleteUTXO(op wire.OutPoint) error
	SpendUTXO(op wire.OutPoint, txid string, height int32) error
	UTXOs(f UTXOFilter) ([]UTXO, error)
	// UndoTx forgets an unconfirmed transaction of ours: its inputs are
	// unspent again and its outputs removed.
	UndoTx(txid string) error
	Reserve(ops []wire.OutPoint, proposalID string) error
	// Reservation returns the proposal holding an output ("" when none).
	Reservation(op wire.OutPoint) (string, error)
	Release(proposalID string) error

	InsertProposal(p *Proposal) error
	Proposal(id string) (*Proposal, error)
	ProposalsByPrefix(prefix string) ([]Proposal, error)
	Proposals(vaultID int64) ([]Proposal, error)
	UpdateProposal(p *Proposal) error
	AddProposalPSBT(id, source string, raw []byte, at time.Time) error
	PutSignature(s *Signature) (added bool, err error)
	Signatures(proposalID string) ([]Signature, error)
	// ConfirmTx marks the proposal broadcast as txid confirmed at height,
	// returning its id ("" when txid is none of ours).
	ConfirmTx(txid string, height int32, at time.Time) (string, error)
	// InsertReplacement records that proposal id replaces (a fee bump of)
	// proposal replaces; Replaces and ReplacedBy follow the link.
	InsertReplacement(id, replaces string, at time.Time) error
	Replaces(id string) (string, error)
	ReplacedBy(id string) ([]string, error)

	// PutLabel stores a BIP-329 label, keeping the stored value of any
	// field the record leaves out; Labels returns them all.
	PutLabel(l Label, at time.Time) error
	Labels() ([]Label, error)

	// PutStandbyProof records a verified standby proof (false: already recorded).
	PutStandbyProof(p *StandbyProof) (added bool, err error)
	StandbyProofs(genID int64) ([]StandbyProof, error)

	AppendAudit(at time.Time, actor, action string, payload []byte) (audit.Entry, error)
	AuditEntries() ([]audit.Entry, error)
	// LastAudit returns the newest entry (ErrNotFound when there is none).
	LastAudit() (audit.Entry, error)
}

// Block is one block as the node served it.
type Block struct {
	Height int32
	Hash   chainhash.Hash
	Msg    *wire.MsgBlock
}

// Chain is the node the use cases talk to (btcd or Bitcoin Core).
type Chain interface {
	Tip(ctx context.Context) (int32, chainhash.Hash, error)
	BlockHash(ctx context.Context, height int32) (chainhash.Hash, error)
	// Blocks returns the blocks from..to inclusive, in order.
	Blocks(ctx context.Context, from, to int32) ([]Block, error)
	// TestAccept asks the node whether it would accept tx into its mempool.
	TestAccept(ctx context.Context, tx *wire.MsgTx) error
	// Broadcast sends tx; a transaction the node already has is not an error.
	Broadcast(ctx context.Context, tx *wire.MsgTx) (chainhash.Hash, error)
	// TxConfirmations reports a transaction's confirmations and whether it
	// is in the node's mempool.
	TxConfirmations(ctx context.Context, txid chainhash.Hash) (confs int64, inMempool bool, err error)
	// EstimateFee returns a fee rate in satoshis per 1000 vbytes, or an
	// error when the node has no estimate.
	EstimateFee(ctx context.Context, confTarget int) (btcutil.Amount, error)
	// Mempool returns the node's unconfirmed transactions, or only their
	// count (ok false) when there are more than limit.
	Mempool(ctx context.Context, limit int) (txs []*wire.MsgTx, count int, ok bool, err error)
	// RelayFees returns the node's relay floor and incremental relay fee.
	RelayFees(ctx context.Context) (RelayFees, error)
	// InMempool reports whether the node's mempool holds txid
	// (getmempoolentry). It needs no transaction index.
	InMempool(ctx context.Context, txid chainhash.Hash) (bool, error)
	// Output reports the node's view of one output, its mempool included
	// (gettxout, gettxspendingprevout). It needs no transaction index.
	Output(ctx context.Context, op wire.OutPoint) (OutputInfo, error)
	// Family returns txid with everything in the mempool spending from
	// it; ok false when the mempool does not hold txid.
	Family(ctx context.Context, txid chainhash.Hash) (fam MempoolFamily, ok bool, err error)
}

// MempoolFamily is a mempool transaction together with every mempool
// transaction spending from it, directly or not: a replacement evicts
// them all, and must pay more than all their fees together (BIP-125
// rule 3) and a higher rate than the replaced transaction's (rule 6), on
// btcd a higher rate than each evicted one's.
type MempoolFamily struct {
	Count int            // the transaction and its descendants
	Fees  btcutil.Amount // their fees together
	VSize int64          // their virtual sizes together
	// Rate is the transaction's own rate as the node counts it (its
	// modified fee over its virtual size, from the witness the node
	// holds), which a replacement must exceed.
	Rate psbt.FeeRate
	// MaxDescendantRate is the highest rate among the descendants where
	// the node refuses a replacement paying less than any transaction it
	// evicts (btcd); 0 where it does not (Bitcoin Core).
	MaxDescendantRate psbt.FeeRate
	// Replaceable: the node says it would let a replacement evict the
	// transaction (it signals BIP-125, or the node replaces any); false
	// where the node cannot say. Ours always signal.
	Replaceable bool
}

// OutputInfo is what the node says of one output. An output that is
// neither unspent nor spent by a mempool transaction was spent in a block,
// or never existed: the node cannot tell which without an index.
type OutputInfo struct {
	// Unspent: the output is in the node's UTXO set, or was created by a
	// mempool transaction, and no mempool transaction spends it.
	Unspent bool
	// Confirmations of the transaction that created it (0: it waits in the
	// mempool); meaningful only when Unspent.
	Confirmations int64
	// SpentBy is the mempool transaction spending the output, when there
	// is one (the zero hash otherwise).
	SpentBy chainhash.Hash
	// Value and PkScript are the output's as the node holds it, when
	// Unspent (gettxout's value and scriptPubKey).
	Value    btcutil.Amount
	PkScript []byte
}

// UTXOScanner is a node that can list the unspent outputs of descriptors
// (Bitcoin Core's scantxoutset); btcd has no such call. Reconcile uses it
// when the node has it.
type UTXOScanner interface {
	// ScanDescriptors returns every unspent output of the descriptors, each
	// over indexes 0..Range. A node without the call returns
	// ErrUnsupported.
	ScanDescriptors(ctx context.Context, descs []DescriptorRange) ([]ScannedOutput, error)
}

// DescriptorRange is one single-path descriptor and how far to scan it.
type DescriptorRange struct {
	Descriptor string
	Range      uint32
}

// ScannedOutput is one unspent output scantxoutset found.
type ScannedOutput struct {
	OutPoint wire.OutPoint
	Value    btcutil.Amount
	PkScript []byte
	Height   int32
	Coinbase bool
}

// ErrUnsupported means the node lacks a call (btcd's scantxoutset).
var ErrUnsupported = errors.New("the node does not support this call")
