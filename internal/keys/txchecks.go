package keys

import (
	"errors"
	"fmt"
	"time"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// What a signature commits to besides inputs and outputs, and the outputs
// the network would not relay or no one could spend: refused, as a
// hardware signer refuses them, each with a sentence naming the input or
// output.

var (
	// ErrTxVersion: the transaction version is not 1 or 2.
	ErrTxVersion = errors.New("transaction version is not 1 or 2")
	// ErrRelativeLock: an input's nSequence enables a BIP-68 relative
	// timelock.
	ErrRelativeLock = errors.New("input sets a relative timelock")
	// ErrLockTime: the locktime is time-based or too far in the future.
	ErrLockTime = errors.New("locktime would delay the transaction")
	// ErrNonStandardOutput: an output script is not p2pkh, p2sh, p2wpkh,
	// p2wsh, p2tr or a zero-value OP_RETURN.
	ErrNonStandardOutput = errors.New("output script is not a standard address type")
	// ErrDustOutput: an output is below the dust threshold of its type.
	ErrDustOutput = errors.New("output is below the dust threshold")
	// ErrDataWithValue: an OP_RETURN output carries value, which is burnt.
	ErrDataWithValue = errors.New("OP_RETURN output carries value")
)

// Sequence numbers that carry no timelock: final, final but enabling the
// locktime, and BIP-125 replaceable (what the coordinator writes).
const (
	SequenceFinal       uint32 = 0xffffffff
	SequenceLockTime    uint32 = 0xfffffffe
	SequenceReplaceable uint32 = 0xfffffffd
	// sequenceDisable is BIP-68's disable flag: set, nSequence is no
	// relative timelock.
	sequenceDisable  uint32 = 1 << 31
	sequenceTimeFlag        = 1 << 22
)

// LockTimeThreshold separates block heights (below) from unix times
// (at or above) in nLockTime.
const LockTimeThreshold = 500_000_000

// MaxTestnetLockHeight bounds a height locktime on the test networks, where
// no clock tells the height: far above any of their heights, far below the
// absurd.
const MaxTestnetLockHeight = 10_000_000

// Block 840,000 of mainnet, to estimate the height from the clock.
const (
	anchorHeight = 840_000
	anchorTime   = 1713571767 // 2024-04-20 00:09:27 UTC
)

// now is the clock MaxLockHeight reads; tests replace it.
var now = time.Now

// MaxLockHeight is the highest height locktime signed on net. On mainnet it
// is the height the clock suggests (block 840,000 plus one block per ten
// minutes since), plus a tenth of the blocks since (blocks come faster than
// every ten minutes) and four weeks (4,032 blocks): an anti-fee-sniping
// locktime is the tip height, so anything beyond is a delay nobody asked
// for. A clock before 2024 counts as 2024. On the test networks it is
// MaxTestnetLockHeight.
func MaxLockHeight(net vault.Network) uint32 {
	if !net.IsMainnet() {
		return MaxTestnetLockHeight
	}
	elapsed := max(now().Unix()-anchorTime, 0) / 600
	return uint32(min(anchorHeight+elapsed+elapsed/10+4032, LockTimeThreshold-1))
}

// checkTx refuses a transaction version other than 1 or 2, an input whose
// nSequence enables a relative timelock, and a time-based or far-future
// locktime (unless every input's nSequence is final, which disables it).
func checkTx(tx *wire.MsgTx, net vault.Network) error {
	if tx.Version != 1 && tx.Version != 2 {
		return refuse(ErrTxVersion, "its transaction version is %d; this signer signs versions 1 and 2 only, whose meaning is known", tx.Version)
	}
	final := true
	for i, in := range tx.TxIn {
		final = final && in.Sequence == SequenceFinal
		if in.Sequence&sequenceDisable == 0 {
			return refuseInput(i, ErrRelativeLock, "its nSequence %#08x sets a relative timelock of %s, which would keep the transaction out of any block until then",
				in.Sequence, relativeLock(in.Sequence))
		}
	}
	switch lt := tx.LockTime; {
	case lt == 0 || final:
	case lt >= LockTimeThreshold:
		return refuse(ErrLockTime, "its locktime %d is a time (%s UTC), which this signer refuses: the transaction could not be mined before then",
			lt, time.Unix(int64(lt), 0).UTC().Format("2006-01-02 15:04"))
	case lt > MaxLockHeight(net):
		return refuse(ErrLockTime, "its locktime is block height %d, beyond %d, the highest this signer accepts on %s: the transaction could not be mined before then",
			lt, MaxLockHeight(net), net.Name)
	}
	return nil
}

// relativeLock describes a BIP-68 relative timelock.
func relativeLock(seq uint32) string {
	n := seq & 0xffff
	if seq&sequenceTimeFlag != 0 {
		return fmt.Sprintf("%d seconds after the spent output confirmed", uint64(n)*512)
	}
	return fmt.Sprintf("%d blocks after the spent output confirmed", n)
}

// checkOutputScript refuses output j unless its script is a standard
// address type with at least the dust threshold, or an OP_RETURN without
// value.
func checkOutputScript(j int, out *wire.TxOut, net vault.Network) error {
	switch txscript.GetScriptClass(out.PkScript) {
	case txscript.NullDataTy:
		if out.Value != 0 {
			return refuseOutput(j, ErrDataWithValue, "it sends %s BTC to an OP_RETURN script, which nobody can ever spend", btcString(btcAmount(out.Value)))
		}
		return nil
	case txscript.PubKeyHashTy, txscript.ScriptHashTy, txscript.WitnessV0PubKeyHashTy,
		txscript.WitnessV0ScriptHashTy, txscript.WitnessV1TaprootTy:
	default:
		return refuseOutput(j, ErrNonStandardOutput, "its script %x is not a standard address type (p2pkh, p2sh, p2wpkh, p2wsh or p2tr), so it may be spendable by anyone or by no one",
			abbreviate(out.PkScript))
	}
	if dust := psbt.DustThreshold(out.PkScript); btcutil.Amount(out.Value) < dust {
		return refuseOutput(j, ErrDustOutput, "it pays %d sat to %s, below the dust threshold of %d sat for its type, so the network would not relay the transaction",
			out.Value, addressOf(out.PkScript, net), dust)
	}
	return nil
}

// scriptClass names an output script's type as the review shows it.
func scriptClass(pkScript []byte) string {
	switch txscript.GetScriptClass(pkScript) {
	case txscript.PubKeyHashTy:
		return "p2pkh"
	case txscript.ScriptHashTy:
		return "p2sh"
	case txscript.WitnessV0PubKeyHashTy:
		return "p2wpkh"
	case txscript.WitnessV0ScriptHashTy:
		return "p2wsh"
	case txscript.WitnessV1TaprootTy:
		return "p2tr"
	case txscript.NullDataTy:
		return "OP_RETURN"
	}
	return "non-standard"
}

// abbreviate keeps a long script's first 40 bytes.
func abbreviate(b []byte) []byte {
	if len(b) > 40 {
		return b[:40]
	}
	return b
}
