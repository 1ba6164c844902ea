package app

import (
	"bytes"
	"context"
	"fmt"

	"github.com/btcsuite/btcd/btcutil/v2"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/txscript/v2"

	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// DevicePSBT is a proposal's PSBT shaped for hardware signers, with what
// the holder must check by hand.
type DevicePSBT struct {
	Detail *ProposalDetail
	PSBT   *btcpsbt.Packet
	// Remainder is the output paying the next generation (nil when the
	// proposal pays none); the device shows it as a payment.
	Remainder *DeviceOutput
}

// DeviceOutput is an output whose derivations were removed.
type DeviceOutput struct {
	Index      int
	Address    string
	Amount     btcutil.Amount
	Generation int
	Chain      uint32
	AddrIndex  uint32
}

// ForDevice returns the proposal's PSBT (with the signatures collected so
// far) as hardware signers accept it for a rotation. A device registered
// with the spent generation treats an output carrying derivations of its
// own fingerprint as change of that wallet; the remainder output to the
// next generation carries the same fingerprints under another account, so
// Coldcard's firmware raises a fraudulent-change error and others refuse
// it too. So: outputs that are not the spent generation's own scripts lose
// the derivations of the spent generation's fingerprints, and the global
// xpubs are the spent generation's only (a device checks they are exactly
// its registered N). The device then shows the remainder as a payment: the
// holder must check its address against the next generation's addresses.
func (a *App) ForDevice(ctx context.Context, id string) (*DevicePSBT, error) {
	var out *DevicePSBT
	err := a.Store.View(ctx, func(tx Tx) error {
		p, err := findProposal(tx, id)
		if err != nil {
			return err
		}
		d, err := a.detail(tx, p)
		if err != nil {
			return err
		}
		own, err := scriptRefs(tx, d.Source.ID)
		if err != nil {
			return err
		}
		var targets map[string]Script
		if d.Target != nil {
			if targets, err = scriptRefs(tx, d.Target.ID); err != nil {
				return err
			}
		}
		out, err = a.shapeForDevice(d, own, targets)
		return err
	})
	return out, err
}

func (a *App) shapeForDevice(d *ProposalDetail, own, targets map[string]Script) (*DevicePSBT, error) {
	src, err := vault.ParseDescriptor(d.Source.Descriptor)
	if err != nil {
		return nil, err
	}
	raw, err := psbt.EncodeBinary(d.PSBT)
	if err != nil {
		return nil, err
	}
	p, err := psbt.Decode(raw) // a copy: the stored packet is not touched
	if err != nil {
		return nil, err
	}
	spent := map[uint32]bool{}
	for _, fp := range src.Fingerprints() {
		spent[fp.PSBT()] = true
	}
	res := &DevicePSBT{Detail: d, PSBT: p}
	for i := range p.Outputs {
		script := p.UnsignedTx.TxOut[i].PkScript
		if _, ok := own[string(script)]; ok {
			continue // change of the spent wallet: the device verifies it
		}
		o := &p.Outputs[i]
		kept := o.Bip32Derivation[:0]
		for _, dv := range o.Bip32Derivation {
			if !spent[dv.MasterKeyFingerprint] {
				kept = append(kept, dv)
			}
		}
		o.Bip32Derivation = kept
		if s, ok := targets[string(script)]; ok && d.Target != nil {
			addr, err := scriptAddress(script, a)
			if err != nil {
				return nil, err
			}
			res.Remainder = &DeviceOutput{Index: i, Address: addr, Amount: btcutil.Amount(p.UnsignedTx.TxOut[i].Value),
				Generation: d.Target.Number, Chain: s.Chain, AddrIndex: s.Index}
		}
	}
	p.XPubs = spentXPubs(p.XPubs, src)
	return res, nil
}

// spentXPubs keeps the global xpubs that are keys of the spent wallet.
func spentXPubs(all []btcpsbt.XPub, src *vault.Descriptor) []btcpsbt.XPub {
	var out []btcpsbt.XPub
	for _, x := range all {
		for _, k := range src.Keys {
			if k.XPub != nil && bytes.Equal(x.ExtendedKey, btcpsbt.EncodeExtendedKey(k.XPub)) {
				out = append(out, x)
				break
			}
		}
	}
	return out
}

func scriptAddress(script []byte, a *App) (string, error) {
	_, addrs, _, err := txscript.ExtractPkScriptAddrs(script, a.Net.Params)
	if err != nil || len(addrs) != 1 {
		return "", fmt.Errorf("output script %x has no address: %v", script, err)
	}
	return addrs[0].String(), nil
}

// GenerationAddressesRequest asks for addresses of any generation of a
// vault, to look at: nothing is handed out.
type GenerationAddressesRequest struct {
	Vault      string
	Generation int
	Change     bool
	From       uint32
	Count      uint32
}

// GenerationAddresses derives Count addresses of a generation from index
// From, without handing any out: to check a remainder output against the
// standby generation, or to look at a hot or retired one. Deposits go to
// 'vault address' (the cold generation's next address) only.
func (a *App) GenerationAddresses(ctx context.Context, req GenerationAddressesRequest) ([]AddressResult, error) {
	if req.Count == 0 || req.Count > 1000 || uint64(req.From)+uint64(req.Count) > 1<<31 {
		return nil, errorf(ErrInvalid, "addresses %d to %d are out of range (0 to 2147483647, at most 1000 at a time)", req.From, uint64(req.From)+uint64(req.Count)-1)
	}
	var g *Generation
	var v *Vault
	err := a.Store.View(ctx, func(tx Tx) error {
		var err error
		if v, err = loadVault(tx, req.Vault); err != nil {
			return err
		}
		gs, err := tx.Generations(v.ID)
		if err != nil {
			return err
		}
		for i := range gs {
			if gs[i].Number == req.Generation {
				g = &gs[i]
			}
		}
		if g == nil {
			return errorf(ErrNotFound, "vault %q has no generation %d", req.Vault, req.Generation)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	d, err := vault.ParseDescriptor(g.Descriptor)
	if err != nil {
		return nil, err
	}
	chain := uint32(0)
	if req.Change {
		chain = 1
	}
	out := make([]AddressResult, 0, req.Count)
	for i := req.From; i < req.From+req.Count; i++ {
		dv, err := d.Derive(a.Net, chain, i)
		if err != nil {
			return nil, err
		}
		out = append(out, AddressResult{Vault: v.Name, Generation: g.Number, Chain: chain, Index: i, Address: dv.Address, Descriptor: d.ChainString(chain)})
	}
	return out, nil
}
