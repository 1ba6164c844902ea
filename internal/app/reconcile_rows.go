package app

import (
	"bytes"
	"fmt"

	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/vault"
)

// DiffFiling: the books file an unspent output under a generation, chain,
// index, height or creating transaction that is not the output's.
const DiffFiling = "filing"

// rowProblem says what in an unspent output's row the node's answer and
// the vault's descriptor contradict ("" if nothing): the generation, chain
// and index it is filed under must derive its script (else its balance
// shows under another generation, and a proposal spending it carries
// another wallet's derivations), the stored creating transaction must be
// the output's (signers are handed it as the non-witness UTXO), coinbase
// as that transaction is, and a confirmed height the node's. tip is the
// node's height when info was asked (-1 when unknown: no height check).
func (b *books) rowProblem(net vault.Network, u UTXO, info OutputInfo, tip int32) string {
	if why := b.derivationProblem(net, u); why != "" {
		return why
	}
	if why := prevTxProblem(u); why != "" {
		return why
	}
	if tip < 0 {
		return ""
	}
	if u.Height > 0 && info.Confirmations > 0 {
		if at := tip - int32(info.Confirmations) + 1; at != u.Height {
			return fmt.Sprintf("the books say it confirmed in block %d, the node says block %d", u.Height, at)
		}
	}
	if u.Height > 0 && info.Confirmations == 0 {
		return fmt.Sprintf("the books say it confirmed in block %d, the node says it is unconfirmed", u.Height)
	}
	return ""
}

// derivationProblem: the row's generation, chain and index must derive the
// row's script.
func (b *books) derivationProblem(net vault.Network, u UTXO) string {
	g, ok := b.gens[u.GenerationID]
	if !ok {
		return "the books file it under a generation that does not exist"
	}
	d, err := vault.ParseDescriptor(g.Descriptor)
	if err != nil {
		return fmt.Sprintf("its generation's descriptor does not parse: %v", err)
	}
	dv, err := d.Derive(net, u.Chain, u.Index)
	if err != nil || !bytes.Equal(dv.PkScript, u.PkScript) {
		return fmt.Sprintf("the books file it under g%d chain %d index %d, whose script is not the output's", g.Number, u.Chain, u.Index)
	}
	return ""
}

// prevTxProblem: the stored creating transaction must hash to the
// outpoint's txid and hold the output as the books do.
func prevTxProblem(u UTXO) string {
	var tx wire.MsgTx
	if err := tx.Deserialize(bytes.NewReader(u.PrevTx)); err != nil {
		return "the books hold no readable transaction that created it"
	}
	if tx.TxHash() != u.OutPoint.Hash || int(u.OutPoint.Index) >= len(tx.TxOut) {
		return "the transaction the books hold as its creator is another one"
	}
	if out := tx.TxOut[u.OutPoint.Index]; out.Value != int64(u.Value) || !bytes.Equal(out.PkScript, u.PkScript) {
		return "the transaction the books hold as its creator pays another value or script"
	}
	if isCoinbase(&tx) != u.Coinbase {
		return fmt.Sprintf("the books say coinbase=%t, but its transaction says %t", u.Coinbase, isCoinbase(&tx))
	}
	return ""
}

// isCoinbase: one input spending the null outpoint.
func isCoinbase(tx *wire.MsgTx) bool {
	return len(tx.TxIn) == 1 && tx.TxIn[0].PreviousOutPoint.Index == wire.MaxPrevOutIndex &&
		tx.TxIn[0].PreviousOutPoint.Hash == [32]byte{}
}
