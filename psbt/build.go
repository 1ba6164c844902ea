package psbt

import (
	"bytes"
	"errors"
	"fmt"
	"sort"

	"github.com/btcsuite/btcd/btcutil/v2"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/vault"
)

// SequenceRBF is the nSequence Build writes on every input: it signals
// replaceability (BIP-125) and enables the locktime, and is not a relative
// timelock.
const SequenceRBF uint32 = 0xfffffffd

// InputSpec is one vault output to spend.
type InputSpec struct {
	OutPoint wire.OutPoint
	// PrevTx is the full previous transaction (the non-witness UTXO); it
	// must hash to OutPoint.Hash.
	PrevTx *wire.MsgTx
	// Derived holds the scripts and the keys with their origins.
	Derived *vault.Derived
}

// OutputSpec is one output of the transaction.
type OutputSpec struct {
	Value    btcutil.Amount
	PkScript []byte
	// Derived is non-nil for outputs that return to one of our vaults
	// (change or remainder); Build then writes their scripts and
	// derivations so that signers can verify them.
	Derived *vault.Derived
}

// BuildRequest describes the transaction Build writes.
type BuildRequest struct {
	Inputs  []InputSpec
	Outputs []OutputSpec
	// LockTime is the anti-fee-sniping locktime: callers pass the tip height.
	LockTime uint32
	// GlobalXPubs are every key of every descriptor involved; each needs
	// an Origin whose path is as deep as the xpub.
	GlobalXPubs []vault.Key
}

// Build writes a BIP-174 version 0 PSBT for req: an unsigned version 2
// transaction with nSequence SequenceRBF on every input and req.LockTime;
// per input the full previous transaction and the witness UTXO, the witness
// script, the redeem script (P2SH-P2WSH only), SIGHASH_ALL and the BIP-32
// derivation of every key; per internal output its scripts and derivations;
// and the global xpubs. It refuses inconsistent inputs: a previous
// transaction that does not hash to the outpoint or lacks the output, or an
// output script that the derived scripts do not produce.
func Build(req BuildRequest) (*btcpsbt.Packet, error) {
	if len(req.Inputs) == 0 || len(req.Outputs) == 0 {
		return nil, errors.New("unable to build psbt: it needs at least one input and one output")
	}
	tx := wire.NewMsgTx(2)
	tx.LockTime = req.LockTime
	var inSum, outSum btcutil.Amount
	seen := make(map[wire.OutPoint]bool, len(req.Inputs))
	for i, in := range req.Inputs {
		if seen[in.OutPoint] {
			return nil, fmt.Errorf("unable to build psbt: input %d spends %s twice", i, in.OutPoint)
		}
		seen[in.OutPoint] = true
		if err := checkInputSpec(in); err != nil {
			return nil, fmt.Errorf("unable to build psbt: input %d (%s): %w", i, in.OutPoint, err)
		}
		inSum += btcutil.Amount(in.PrevTx.TxOut[in.OutPoint.Index].Value)
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: in.OutPoint, Sequence: SequenceRBF})
	}
	for i, out := range req.Outputs {
		if err := checkOutputSpec(out); err != nil {
			return nil, fmt.Errorf("unable to build psbt: output %d: %w", i, err)
		}
		outSum += out.Value
		tx.AddTxOut(wire.NewTxOut(int64(out.Value), out.PkScript))
	}
	if outSum > inSum {
		return nil, fmt.Errorf("unable to build psbt: outputs (%d sat) exceed inputs (%d sat): %w",
			int64(outSum), int64(inSum), ErrInsufficientFunds)
	}
	p, err := btcpsbt.NewFromUnsignedTx(tx)
	if err != nil {
		return nil, fmt.Errorf("unable to build psbt: %w", err)
	}
	for i, in := range req.Inputs {
		p.Inputs[i] = buildInput(in)
	}
	for i, out := range req.Outputs {
		if out.Derived != nil {
			p.Outputs[i] = btcpsbt.POutput{
				RedeemScript:    cloneBytes(out.Derived.RedeemScript),
				WitnessScript:   cloneBytes(out.Derived.WitnessScript),
				Bip32Derivation: derivations(out.Derived),
			}
		}
	}
	if p.XPubs, err = globalXPubs(req.GlobalXPubs); err != nil {
		return nil, fmt.Errorf("unable to build psbt: %w", err)
	}
	return p, nil
}

// checkInputSpec verifies that the previous transaction, the outpoint and
// the derived scripts agree.
func checkInputSpec(in InputSpec) error {
	if in.PrevTx == nil || in.Derived == nil {
		return errors.New("previous transaction and derived scripts are required")
	}
	if err := checkPrevTx(in.PrevTx, in.OutPoint, nil); err != nil {
		return err
	}
	prevOut := in.PrevTx.TxOut[in.OutPoint.Index]
	if !bytes.Equal(prevOut.PkScript, in.Derived.PkScript) {
		return fmt.Errorf("%w: the previous output's script is not the derived script", ErrUTXOMismatch)
	}
	return checkDerived(in.Derived)
}

// checkOutputSpec validates one output and, for an internal output, its
// derived scripts.
func checkOutputSpec(out OutputSpec) error {
	if out.Value <= 0 || out.Value > btcutil.MaxSatoshi {
		return fmt.Errorf("value %d sat is out of range", int64(out.Value))
	}
	if len(out.PkScript) == 0 {
		return errors.New("empty output script")
	}
	if out.Derived == nil {
		return nil
	}
	if !bytes.Equal(out.PkScript, out.Derived.PkScript) {
		return fmt.Errorf("%w: output script is not the derived script", ErrUTXOMismatch)
	}
	return checkDerived(out.Derived)
}

// checkDerived verifies that a Derived's scripts hash to its output script
// and that its keys are exactly the witness script's keys.
func checkDerived(d *vault.Derived) error {
	if err := checkScripts(d.WitnessScript, d.RedeemScript, d.PkScript); err != nil {
		return err
	}
	ms, err := parseMultisig(d.WitnessScript)
	if err != nil {
		return err
	}
	if len(d.Keys) != len(ms.keys) {
		return fmt.Errorf("%w: %d derived keys for a script of %d keys", ErrUTXOMismatch, len(d.Keys), len(ms.keys))
	}
	for _, k := range d.Keys {
		if ms.indexOf(k.PubKey) < 0 {
			return fmt.Errorf("%w: derived key %x is not in the witness script", ErrKeyNotInScript, k.PubKey)
		}
	}
	return nil
}

// buildInput fills one PSBT input from a checked InputSpec.
func buildInput(in InputSpec) btcpsbt.PInput {
	prevOut := in.PrevTx.TxOut[in.OutPoint.Index]
	return btcpsbt.PInput{
		NonWitnessUtxo:  in.PrevTx.Copy(),
		WitnessUtxo:     wire.NewTxOut(prevOut.Value, cloneBytes(prevOut.PkScript)),
		SighashType:     txscript.SigHashAll,
		WitnessScript:   cloneBytes(in.Derived.WitnessScript),
		RedeemScript:    cloneBytes(in.Derived.RedeemScript),
		Bip32Derivation: derivations(in.Derived),
	}
}

// derivations returns the BIP-32 derivation of every key, sorted by key.
func derivations(d *vault.Derived) []*btcpsbt.Bip32Derivation {
	out := make([]*btcpsbt.Bip32Derivation, 0, len(d.Keys))
	for _, k := range d.Keys {
		out = append(out, &btcpsbt.Bip32Derivation{
			PubKey:               cloneBytes(k.PubKey),
			MasterKeyFingerprint: k.Fingerprint.PSBT(),
			Bip32Path:            append([]uint32(nil), k.Path...),
		})
	}
	sort.Sort(btcpsbt.Bip32Sorter(out))
	return out
}

// globalXPubs serializes each key once, sorted by its serialization.
func globalXPubs(keys []vault.Key) ([]btcpsbt.XPub, error) {
	byKey := make(map[string]btcpsbt.XPub, len(keys))
	for i, k := range keys {
		if k.XPub == nil || k.Origin == nil {
			return nil, fmt.Errorf("global xpub %d has no key or no origin", i)
		}
		if k.XPub.IsPrivate() {
			return nil, fmt.Errorf("global xpub %d is a private key", i)
		}
		if len(k.Origin.Path) != int(k.XPub.Depth()) {
			return nil, fmt.Errorf("global xpub %d: origin path has %d steps but the key is at depth %d",
				i, len(k.Origin.Path), k.XPub.Depth())
		}
		x := btcpsbt.XPub{
			ExtendedKey:          btcpsbt.EncodeExtendedKey(k.XPub),
			MasterKeyFingerprint: k.Origin.Fingerprint.PSBT(),
			Bip32Path:            append([]uint32(nil), k.Origin.Path...),
		}
		if prev, ok := byKey[string(x.ExtendedKey)]; ok {
			if prev.MasterKeyFingerprint != x.MasterKeyFingerprint || !equalPath(prev.Bip32Path, x.Bip32Path) {
				return nil, fmt.Errorf("global xpub %d appears twice with different origins", i)
			}
			continue
		}
		byKey[string(x.ExtendedKey)] = x
	}
	out := make([]btcpsbt.XPub, 0, len(byKey))
	for _, x := range byKey {
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].ExtendedKey, out[j].ExtendedKey) < 0 })
	return out, nil
}

func equalPath(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// cloneBytes copies b; an empty slice becomes nil so that btcd does not
// serialize an empty field.
func cloneBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}
