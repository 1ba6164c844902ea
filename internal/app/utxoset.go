package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"

	"github.com/treasury-dev/treasury/vault"
)

// snapshotOutput is a verified output of a snapshot, ready to record:
// which generation (by position in the list read) and where it derives.
type snapshotOutput struct {
	gen  int
	utxo UTXO
}

type utxoSet struct {
	height  int32
	outputs []snapshotOutput
}

// readUTXOSet asks the node for the unspent outputs of gens (both chains,
// every index the signers accept) and checks each against the block the
// node says holds it: the output must be in that block's transaction with
// that value and script, and the script must derive from the generation
// at the index it claims. Nothing the scan said is recorded unchecked; the
// full previous transaction comes from the block, as a signer needs it.
func (a *App) readUTXOSet(ctx context.Context, gens []*Generation) (*utxoSet, error) {
	c, err := a.chain(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := c.(UTXOScanner)
	noScan := errorf(ErrInvalid, "the node cannot read its UTXO set for descriptors (btcd has no scantxoutset; Bitcoin Core has): leave out --from-utxo-set and let sync scan from the birthday")
	if !ok {
		return nil, noScan
	}
	descs, byScript, err := a.snapshotScripts(gens)
	if err != nil {
		return nil, err
	}
	// The snapshot is at least as recent as this tip: sync scans on from
	// the block after it, so a block mined during the scan is scanned too
	// (finding again what the scan found is harmless; a spend of an
	// output the scan no longer saw concerns nothing we hold).
	height, _, err := c.Tip(ctx)
	if err != nil {
		return nil, err
	}
	found, err := sc.ScanDescriptors(ctx, descs)
	if errors.Is(err, ErrUnsupported) {
		return nil, noScan
	}
	if err != nil {
		return nil, err
	}
	out := &utxoSet{height: height}
	for _, o := range found {
		at, ok := byScript[string(o.PkScript)]
		if !ok {
			return nil, fmt.Errorf("the node's UTXO scan returned %s, which pays none of the vault's scripts", o.OutPoint)
		}
		if o.Height <= 0 {
			return nil, fmt.Errorf("the node's UTXO scan put %s at height %d", o.OutPoint, o.Height)
		}
		prev, hash, err := a.fetchPrevTx(ctx, c, o)
		if err != nil {
			return nil, err
		}
		u := UTXO{OutPoint: o.OutPoint, Value: o.Value, PkScript: o.PkScript, GenerationID: 0,
			Chain: at.chain, Index: at.index, Height: o.Height, BlockHash: hash.String(), Coinbase: o.Coinbase, PrevTx: prev}
		out.outputs = append(out.outputs, snapshotOutput{gen: at.gen, utxo: u})
	}
	return out, nil
}

type scriptAt struct {
	gen          int
	chain, index uint32
}

// snapshotScripts returns each generation's two single-chain descriptors
// and every script they derive within the signers' window.
func (a *App) snapshotScripts(gens []*Generation) ([]DescriptorRange, map[string]scriptAt, error) {
	var descs []DescriptorRange
	byScript := map[string]scriptAt{}
	for gi, g := range gens {
		d, err := vault.ParseDescriptor(g.Descriptor)
		if err != nil {
			return nil, nil, err
		}
		for chain := uint32(0); chain < 2; chain++ {
			descs = append(descs, DescriptorRange{Descriptor: d.ChainString(chain), Range: vault.MaxAddressIndex})
			for i := uint32(0); i <= vault.MaxAddressIndex; i++ {
				dv, err := d.Derive(a.Net, chain, i)
				if err != nil {
					return nil, nil, err
				}
				byScript[string(dv.PkScript)] = scriptAt{gi, chain, i}
			}
		}
	}
	return descs, byScript, nil
}

// fetchPrevTx reads the block holding o and returns the serialized
// transaction that created it, after checking the output is there.
func (a *App) fetchPrevTx(ctx context.Context, c Chain, o ScannedOutput) ([]byte, chainhash.Hash, error) {
	hash, err := c.BlockHash(ctx, o.Height)
	if err != nil {
		return nil, hash, err
	}
	bs, err := c.Blocks(ctx, o.Height, o.Height)
	if err != nil {
		return nil, hash, err
	}
	if len(bs) != 1 || bs[0].Hash != hash {
		return nil, hash, fmt.Errorf("%w: the block at height %d changed while the UTXO set was read; try again", ErrReorg, o.Height)
	}
	for i, tx := range bs[0].Msg.Transactions {
		if tx.TxHash() != o.OutPoint.Hash {
			continue
		}
		if int(o.OutPoint.Index) >= len(tx.TxOut) {
			break
		}
		out := tx.TxOut[o.OutPoint.Index]
		if out.Value != int64(o.Value) || !bytes.Equal(out.PkScript, o.PkScript) || (i == 0) != o.Coinbase {
			return nil, hash, fmt.Errorf("the node's UTXO scan describes %s differently from block %s", o.OutPoint, hash)
		}
		var raw bytes.Buffer
		if err := tx.Serialize(&raw); err != nil {
			return nil, hash, err
		}
		return raw.Bytes(), hash, nil
	}
	return nil, hash, fmt.Errorf("the node's UTXO scan puts %s in block %s, which does not hold it", o.OutPoint, hash)
}

// recordUTXOSet records a snapshot's outputs for gens (stored, with IDs),
// grows their watch sets past the highest index used, and marks the
// history below the snapshot as read from the UTXO set, not scanned.
func (a *App) recordUTXOSet(tx Tx, gens []*Generation, set *utxoSet) (int, btcutil.Amount, error) {
	gap, err := gapFor(tx, gens[0].VaultID)
	if err != nil {
		return 0, 0, err
	}
	var top = make([]uint32, len(gens))
	for _, o := range set.outputs {
		top[o.gen] = max(top[o.gen], o.utxo.Index+1)
	}
	for gi, g := range gens {
		if err := a.extendWatch(tx, g, top[gi]+gap); err != nil {
			return 0, 0, err
		}
		if err := tx.SetUTXOSetAt(g.ID, set.height); err != nil {
			return 0, 0, err
		}
		g.UTXOSetAt = set.height
	}
	var total btcutil.Amount
	for _, o := range set.outputs {
		u := o.utxo
		u.GenerationID = gens[o.gen].ID
		if err := tx.PutUTXO(&u); err != nil {
			return 0, 0, err
		}
		if err := tx.MarkScriptUsed(u.PkScript); err != nil {
			return 0, 0, err
		}
		if err := tx.SetNextIndex(u.GenerationID, u.Chain, u.Index+1); err != nil {
			return 0, 0, err
		}
		total += u.Value
	}
	return len(set.outputs), total, nil
}
