package keys

import (
	"bytes"
	"fmt"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/parallel"
	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// InputReview is what review established about one input.
type InputReview struct {
	Index    int
	OutPoint wire.OutPoint
	// Value is the amount spent, checked against the full previous
	// transaction.
	Value   btcutil.Amount
	Address string
	// Descriptor is the registered descriptor the input's script
	// recomputes from, at Chain and AddressIndex.
	Descriptor          string
	Chain, AddressIndex uint32
	// Vault and Generation name the registered descriptor (Vault "" and
	// Generation -1 when its registration did not say).
	Vault      string
	Generation int
	// Sequence is the input's nSequence.
	Sequence uint32
	// Signable is true when the script holds a key of this seed.
	Signable bool
	// Signed is true when the PSBT already carries a signature from every
	// key of this seed in the script (Sign re-checks and keeps valid ones).
	Signed bool

	desc    int // index into the matcher's descriptors
	derived *vault.Derived
	prevOut wire.TxOut
}

// OutputClass is one output as the signer sees it: internal (its script
// recomputes from a registered descriptor, so it stays in the vault
// family) or external (a payment).
type OutputClass struct {
	Index int
	Value btcutil.Amount
	// Address is empty for scripts without an address (OP_RETURN, …).
	Address  string
	Internal bool
	// Descriptor, Chain and AddressIndex locate an internal output; Role,
	// Vault and Generation are its registration's.
	Descriptor          string
	Chain, AddressIndex uint32
	Role                Role
	Vault               string
	Generation          int
	// Rotation is true for an internal output to a descriptor none of the
	// inputs spends from: the funds move to another generation.
	Rotation bool
	// OtherVault is true when the registrations name the output's vault
	// and every input's, and they differ: the funds move to another vault.
	OtherVault bool
	// Class is the output's script type ("p2wsh", "nulldata", …).
	Class string
}

// Review is what a holder is shown before signing: what leaves the vault
// family, what stays, the fee and the fee rate.
type Review struct {
	TxID    chainhash.Hash
	Inputs  []InputReview
	Outputs []OutputClass
	// InputTotal is the sum of the inputs; Payments the sum of external
	// outputs; Internal the sum of internal outputs (change, remainder).
	InputTotal, Payments, Internal btcutil.Amount
	Fee                            btcutil.Amount
	// VSize is the estimated size once signed (73-byte signatures), and
	// FeeRate is Fee over VSize, rounded down.
	VSize   int64
	FeeRate psbt.FeeRate
	// FeeShare is Fee over InputTotal in basis points, rounded up.
	FeeShare int64
	// Limits are the ceilings the review held the PSBT to.
	Limits Limits
	// Version and LockTime are the transaction's.
	Version  int32
	LockTime uint32
	// Signable is the number of inputs this key will sign.
	Signable int
	// Replaces is set for a fee bump whose payments were checked against
	// the transaction it replaces.
	Replaces *Replacement

	reviewer vault.Fingerprint
}

// Review checks p against the registered descriptors and describes it. It
// refuses, with a *RefusalError naming the input or output: an input that
// is not a segwit multisig, lacks its previous transaction or witness UTXO,
// whose previous transaction does not match, that asks for a sighash other
// than ALL, or whose script does not recompute from a registered
// descriptor; an output that carries derivations of a registered vault's
// keys but does not recompute from a registered descriptor; a PSBT for
// another network; and a negative fee.
func (f *File) Review(p *btcpsbt.Packet) (*Review, error) {
	return f.ReviewWith(p, DefaultLimits())
}

// ReviewWith is Review holding the PSBT to the ceilings l: besides what
// Review refuses, it refuses a fee rate above l.MaxFeeRate, a fee above
// l.MaxFeeShare of the value spent, an internal output beyond
// MaxInternalIndex, and what checkTx and checkOutputScript refuse (a
// transaction version other than 1 or 2, a relative timelock, a time-based
// or far-future locktime, non-standard, dust or value-carrying OP_RETURN
// outputs).
func (f *File) ReviewWith(p *btcpsbt.Packet, l Limits) (*Review, error) {
	if f.zeroed {
		return nil, ErrZeroed
	}
	if p == nil || p.UnsignedTx == nil || len(p.UnsignedTx.TxIn) == 0 ||
		len(p.Inputs) != len(p.UnsignedTx.TxIn) || len(p.Outputs) != len(p.UnsignedTx.TxOut) {
		return nil, fmt.Errorf("unable to review: %w: no unsigned transaction, no inputs, or per-input/output maps that do not match it", psbt.ErrInvalidPSBT)
	}
	descs, err := f.registered()
	if err != nil {
		return nil, fmt.Errorf("unable to review: %w", err)
	}
	if len(descs) == 0 {
		return nil, refuse(ErrNothingRegistered, "this key file trusts no descriptor yet; register the vault's descriptor first")
	}
	if err := f.checkPSBTNetwork(p); err != nil {
		return nil, err
	}
	if err := checkTx(p.UnsignedTx, f.net); err != nil {
		return nil, err
	}
	regs, err := f.Registrations()
	if err != nil {
		return nil, fmt.Errorf("unable to review: %w", err)
	}
	m := newMatcher(f.net, descs, regs)
	r := &Review{TxID: p.UnsignedTx.TxHash(), reviewer: f.Fingerprint, Limits: l,
		Version: p.UnsignedTx.Version, LockTime: p.UnsignedTx.LockTime}
	if err := f.reviewInputs(p, m, r); err != nil {
		return nil, err
	}
	if err := f.reviewOutputs(p, m, r); err != nil {
		return nil, err
	}
	if err := r.settle(p, m); err != nil {
		return nil, err
	}
	if err := r.reviewReplaces(p); err != nil {
		return nil, err
	}
	if err := r.checkFee(l); err != nil {
		return nil, err
	}
	return r, nil
}

func (f *File) reviewInputs(p *btcpsbt.Packet, m *matcher, r *Review) error {
	seen := make(map[wire.OutPoint]int, len(p.Inputs))
	for i, in := range p.UnsignedTx.TxIn {
		if j, dup := seen[in.PreviousOutPoint]; dup {
			return refuseInput(i, ErrDuplicateInput, "it spends %s, which input %d spends already", in.PreviousOutPoint, j)
		}
		seen[in.PreviousOutPoint] = i
	}
	reviews := make([]InputReview, len(p.Inputs))
	err := parallel.ForEach(len(p.Inputs), func(i int) error {
		var err error
		reviews[i], err = f.reviewInput(p, i, m)
		return err
	})
	if err != nil {
		return err
	}
	for i, ir := range reviews {
		if r.InputTotal += ir.Value; r.InputTotal > btcutil.MaxSatoshi {
			return refuseInput(i, ErrInvalidAmount, "the inputs add up to more than 21 million BTC")
		}
		if ir.Signable {
			r.Signable++
		}
		r.Inputs = append(r.Inputs, ir)
	}
	return nil
}

// reviewInput checks one input; see Review.
func (f *File) reviewInput(p *btcpsbt.Packet, i int, m *matcher) (InputReview, error) {
	in := &p.Inputs[i]
	op := p.UnsignedTx.TxIn[i].PreviousOutPoint
	prev, err := checkUTXO(in, op, i)
	if err != nil {
		return InputReview{}, err
	}
	if in.SighashType != 0 && in.SighashType != txscript.SigHashAll {
		return InputReview{}, refuseInput(i, ErrSighashType, "it asks for signature hash type %#x; this signer signs SIGHASH_ALL only", uint32(in.SighashType))
	}
	switch txscript.GetScriptClass(prev.PkScript) {
	case txscript.WitnessV0ScriptHashTy, txscript.ScriptHashTy:
	default:
		return InputReview{}, refuseInput(i, ErrUnsupportedInput, "it spends a %s output, not a P2WSH or P2SH-P2WSH multisig", txscript.GetScriptClass(prev.PkScript))
	}
	hit, ok := m.find(prev.PkScript, in.Bip32Derivation)
	if !ok {
		return InputReview{}, refuseInput(i, ErrUnknownInput, "it spends from %s, which no registered descriptor derives at the chain and index its derivations name",
			describeScript(prev.PkScript, f.net))
	}
	d := hit.derived
	if err := sameScripts(in.WitnessScript, in.RedeemScript, d); err != nil {
		return InputReview{}, refuseInput(i, ErrScriptMismatch, "its %s", err)
	}
	ir := InputReview{
		Index: i, OutPoint: op, Value: btcutil.Amount(prev.Value), Address: d.Address,
		Descriptor: m.names[hit.desc], Chain: d.Chain, AddressIndex: d.Index,
		Vault: m.regs[hit.desc].Vault, Generation: m.regs[hit.desc].Generation,
		Sequence: p.UnsignedTx.TxIn[i].Sequence,
		desc:     hit.desc, derived: d, prevOut: *prev,
	}
	ir.Signable, ir.Signed = f.ownKeysIn(d, in.PartialSigs)
	return ir, nil
}

// checkUTXO requires both the full previous transaction and the witness
// UTXO and checks that they agree with each other and with the outpoint:
// the value a segwit signature commits to is then the real one.
func checkUTXO(in *btcpsbt.PInput, op wire.OutPoint, i int) (*wire.TxOut, error) {
	if in.NonWitnessUtxo == nil {
		return nil, refuseInput(i, ErrMissingUTXO, "it lacks the full previous transaction, without which the amount it spends cannot be checked")
	}
	if in.WitnessUtxo == nil {
		return nil, refuseInput(i, ErrMissingUTXO, "it lacks its witness utxo")
	}
	if h := in.NonWitnessUtxo.TxHash(); h != op.Hash {
		return nil, refuseInput(i, ErrPrevTxMismatch, "its previous transaction hashes to %s, not to the %s it spends", h, op.Hash)
	}
	if int(op.Index) >= len(in.NonWitnessUtxo.TxOut) {
		return nil, refuseInput(i, ErrPrevTxMismatch, "its previous transaction has no output %d", op.Index)
	}
	prev := in.NonWitnessUtxo.TxOut[op.Index]
	if prev.Value != in.WitnessUtxo.Value || !bytes.Equal(prev.PkScript, in.WitnessUtxo.PkScript) {
		return nil, refuseInput(i, ErrPrevTxMismatch, "its witness utxo (%d sat) differs from output %d of its previous transaction (%d sat)",
			in.WitnessUtxo.Value, op.Index, prev.Value)
	}
	if prev.Value < 0 || prev.Value > btcutil.MaxSatoshi {
		return nil, refuseInput(i, ErrInvalidAmount, "it spends %d sat, which is out of range", prev.Value)
	}
	return prev, nil
}

// sameScripts checks the witness and redeem scripts a PSBT carries, if any,
// against the derived ones.
func sameScripts(witnessScript, redeemScript []byte, d *vault.Derived) error {
	if len(witnessScript) > 0 && !bytes.Equal(witnessScript, d.WitnessScript) {
		return fmt.Errorf("witness script differs from the one its registered descriptor derives")
	}
	if len(redeemScript) > 0 && !bytes.Equal(redeemScript, d.RedeemScript) {
		return fmt.Errorf("redeem script differs from the one its registered descriptor derives")
	}
	return nil
}

// ownKeysIn reports whether d has a key of this seed, and whether sigs
// already holds a signature from each of them.
func (f *File) ownKeysIn(d *vault.Derived, sigs []*btcpsbt.PartialSig) (has, signed bool) {
	signed = true
	for _, k := range d.Keys {
		if k.Fingerprint != f.Fingerprint {
			continue
		}
		has = true
		found := false
		for _, s := range sigs {
			found = found || bytes.Equal(s.PubKey, k.PubKey)
		}
		signed = signed && found
	}
	return has, has && signed
}

func (f *File) reviewOutputs(p *btcpsbt.Packet, m *matcher, r *Review) error {
	var total btcutil.Amount
	for j, out := range p.UnsignedTx.TxOut {
		if out.Value < 0 || out.Value > btcutil.MaxSatoshi {
			return refuseOutput(j, ErrInvalidAmount, "it pays %d sat, which is out of range", out.Value)
		}
		if total += btcutil.Amount(out.Value); total > btcutil.MaxSatoshi {
			return refuseOutput(j, ErrInvalidAmount, "the outputs add up to more than 21 million BTC")
		}
		if err := checkOutputScript(j, out, f.net); err != nil {
			return err
		}
		oc, err := f.classify(p, j, m, r.Inputs)
		if err != nil {
			return err
		}
		if oc.Internal {
			r.Internal += oc.Value
		} else {
			r.Payments += oc.Value
		}
		r.Outputs = append(r.Outputs, oc)
	}
	return nil
}

// classify decides whether output j is internal or a payment; see Review.
func (f *File) classify(p *btcpsbt.Packet, j int, m *matcher, inputs []InputReview) (OutputClass, error) {
	out, po := p.UnsignedTx.TxOut[j], &p.Outputs[j]
	oc := OutputClass{Index: j, Value: btcutil.Amount(out.Value), Address: addressOf(out.PkScript, f.net),
		Class: scriptClass(out.PkScript), Generation: -1}
	hit, ok := m.find(out.PkScript, po.Bip32Derivation)
	if !ok {
		if fp, claims := m.claimsFamily(po.Bip32Derivation); claims {
			return oc, refuseOutput(j, ErrUnprovenChange,
				"it carries a derivation for the key with fingerprint %s of a registered vault, but its script does not derive from any registered descriptor", fp)
		}
		return oc, nil
	}
	if err := sameScripts(po.WitnessScript, po.RedeemScript, hit.derived); err != nil {
		return oc, refuseOutput(j, ErrScriptMismatch, "its %s", err)
	}
	reg := m.regs[hit.desc]
	if hit.derived.Index > MaxInternalIndex {
		return oc, refuseOutput(j, ErrHiddenChange,
			"it goes to index %d of the %s chain of %s, beyond the window of indexes 0 to %d that the coordinator watches and exports, where no restoring wallet would find it",
			hit.derived.Index, chainName(hit.derived.Chain), regName(reg), MaxInternalIndex)
	}
	oc.Internal = true
	oc.Descriptor = m.names[hit.desc]
	oc.Chain, oc.AddressIndex = hit.derived.Chain, hit.derived.Index
	oc.Role, oc.Vault, oc.Generation = reg.Role, reg.Vault, reg.Generation
	oc.Rotation, oc.OtherVault = true, reg.Vault != ""
	for _, in := range inputs {
		oc.Rotation = oc.Rotation && in.desc != hit.desc
		oc.OtherVault = oc.OtherVault && in.Vault != "" && in.Vault != reg.Vault
	}
	return oc, nil
}

// chainName is "receive" for chain 0 and "change" for chain 1.
func chainName(chain uint32) string {
	if chain == 1 {
		return "change"
	}
	return "receive"
}

// regName names a registration: "generation 1 of vault ops", or as much of
// that as is known.
func regName(r Registration) string {
	gen := "a registered descriptor"
	if r.Generation >= 0 {
		gen = fmt.Sprintf("generation %d", r.Generation)
	}
	if r.Vault != "" {
		return fmt.Sprintf("%s of vault %s", gen, r.Vault)
	}
	return gen
}

// describeScript names an output script by its address, or by its hex.
func describeScript(pkScript []byte, net vault.Network) string {
	if a := addressOf(pkScript, net); a != "" {
		return "address " + a
	}
	return fmt.Sprintf("script %x", pkScript)
}

// addressOf encodes a standard output script as an address of net, or
// returns "" when it has none.
func addressOf(pkScript []byte, net vault.Network) string {
	_, addrs, _, err := txscript.ExtractPkScriptAddrs(pkScript, net.Params)
	if err != nil || len(addrs) != 1 {
		return ""
	}
	return addrs[0].String()
}

// settle computes the fee, size and fee rate.
func (r *Review) settle(p *btcpsbt.Packet, m *matcher) error {
	var outTotal btcutil.Amount
	scripts := make([][]byte, len(p.UnsignedTx.TxOut))
	for j, out := range p.UnsignedTx.TxOut {
		outTotal += btcutil.Amount(out.Value)
		scripts[j] = out.PkScript
	}
	r.Fee = r.InputTotal - outTotal
	if r.Fee < 0 {
		return refuse(ErrNegativeFee, "its outputs (%d sat) spend more than its inputs hold (%d sat)", int64(outTotal), int64(r.InputTotal))
	}
	shapes := make([]psbt.InputShape, len(r.Inputs))
	for i, in := range r.Inputs {
		d := m.descs[in.desc]
		shapes[i] = psbt.InputShape{Type: d.Type, M: d.Threshold, N: len(d.Keys)}
	}
	r.VSize = psbt.EstimateVSize(shapes, scripts)
	if r.VSize > 0 {
		r.FeeRate = psbt.FeeRate(int64(r.Fee) * 1000 / r.VSize)
	}
	r.FeeShare = feeShare(r.Fee, r.InputTotal)
	return nil
}
