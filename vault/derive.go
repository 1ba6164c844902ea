package vault

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/txscript/v2"
)

// deriveCache holds what Derive needs from the keys, computed once per
// descriptor: the validation result and each key's chain-level extended key.
type deriveCache struct {
	once   sync.Once
	err    error
	chains [2][]chainKey // nil for a chain the descriptor does not describe
}

// chainKey is one key's extended key at a chain (xpub/chain), with the
// master fingerprint and path a signer needs.
type chainKey struct {
	xk   *hdkeychain.ExtendedKey
	fp   Fingerprint
	path []uint32 // origin path + chain
	// The chain-level key as a curve point, its compressed encoding and
	// its chain code, decoded once: deriving a child is then one HMAC, one
	// base-point multiplication and one addition (see child).
	point     btcec.JacobianPoint
	pub       []byte
	chainCode []byte
}

func newDeriveCache() *deriveCache { return &deriveCache{} }

// prepared returns the descriptor's cache, filling it on first use. A
// Descriptor built without NewDescriptor has no cache and pays for the
// preparation on every call.
func (d *Descriptor) prepared() (*deriveCache, error) {
	c := d.cache
	if c == nil {
		c = newDeriveCache()
		c.fill(d)
		return c, c.err
	}
	c.once.Do(func() { c.fill(d) })
	return c, c.err
}

func (c *deriveCache) fill(d *Descriptor) {
	if c.err = validate(d.Type, d.Threshold, d.Keys); c.err != nil {
		return
	}
	for chain := uint32(0); chain < 2; chain++ {
		if !d.hasChain(chain) {
			continue
		}
		if c.chains[chain], c.err = chainKeysOf(d.Keys, chain); c.err != nil {
			return
		}
	}
}

func chainKeysOf(keys []Key, chain uint32) ([]chainKey, error) {
	out := make([]chainKey, len(keys))
	for i, k := range keys {
		xk, err := k.XPub.Derive(chain)
		if err != nil {
			return nil, fmt.Errorf("key %d: unable to derive chain %d: %w", i+1, chain, err)
		}
		path := append(slices.Clone(k.OriginPath()), chain)
		if out[i], err = newChainKey(xk, k.MasterFingerprint(), path); err != nil {
			return nil, fmt.Errorf("key %d: chain %d: %w", i+1, chain, err)
		}
	}
	return out, nil
}

// newChainKey decodes a chain-level extended public key for child.
func newChainKey(xk *hdkeychain.ExtendedKey, fp Fingerprint, path []uint32) (chainKey, error) {
	pk, err := xk.ECPubKey()
	if err != nil {
		return chainKey{}, err
	}
	ck := chainKey{xk: xk, fp: fp, path: path, pub: pk.SerializeCompressed(), chainCode: xk.ChainCode()}
	pk.AsJacobian(&ck.point)
	return ck, nil
}

// child is BIP-32's public child derivation (CKDpub) of a non-hardened
// index, returning the child's compressed public key. It computes exactly
// what hdkeychain's Derive does, without decoding the parent's and the
// child's public keys again on every call: sync and the signer derive
// thousands of these. TestChildMatchesHDKeychain holds the two equal.
func (ck *chainKey) child(index uint32) ([]byte, error) {
	var p btcec.JacobianPoint
	if err := ck.childPoint(index, &p); err != nil {
		return nil, err
	}
	p.ToAffine()
	return btcec.NewPublicKey(&p.X, &p.Y).SerializeCompressed(), nil
}

// childPoint is child up to the curve point, left in Jacobian coordinates
// so that a caller deriving many can convert them to affine together.
func (ck *chainKey) childPoint(index uint32, p *btcec.JacobianPoint) error {
	mac := hmac.New(sha512.New, ck.chainCode)
	mac.Write(ck.pub)
	var idx [4]byte
	binary.BigEndian.PutUint32(idx[:], index)
	mac.Write(idx[:])
	sum := mac.Sum(nil)
	var il btcec.ModNScalar
	if overflow := il.SetByteSlice(sum[:32]); overflow || il.IsZero() {
		return hdkeychain.ErrInvalidChild
	}
	var ilG btcec.JacobianPoint
	btcec.ScalarBaseMultNonConst(&il, &ilG)
	btcec.AddNonConst(&ilG, &ck.point, p)
	if (p.X.IsZero() && p.Y.IsZero()) || p.Z.IsZero() {
		return hdkeychain.ErrInvalidChild
	}
	return nil
}

// toAffine converts points (none at infinity) to affine coordinates with
// one field inversion for all of them (Montgomery's trick: invert the
// product of every Z, then peel each inverse off with two
// multiplications), where ToAffine pays one inversion, about a third of a
// child derivation, per point.
func toAffine(pts []btcec.JacobianPoint) {
	if len(pts) == 0 {
		return
	}
	prefix := make([]btcec.FieldVal, len(pts)) // prefix[i] = Z_0 · … · Z_i
	prefix[0].Set(&pts[0].Z).Normalize()
	for i := 1; i < len(pts); i++ {
		prefix[i].Mul2(&prefix[i-1], pts[i].Z.Normalize())
	}
	var inv btcec.FieldVal // (Z_0 · … · Z_i)⁻¹, i from the last down
	inv.Set(&prefix[len(pts)-1]).Normalize().Inverse()
	for i := len(pts) - 1; i >= 0; i-- {
		var zInv, zInv2 btcec.FieldVal
		if i > 0 {
			zInv.Mul2(&inv, &prefix[i-1]) // Z_i⁻¹
			inv.Mul(&pts[i].Z)            // (Z_0 · … · Z_{i-1})⁻¹
		} else {
			zInv.Set(&inv)
		}
		p := &pts[i]
		zInv2.SquareVal(&zInv)
		p.X.Mul(&zInv2).Normalize()
		p.Y.Mul(zInv2.Mul(&zInv)).Normalize()
		p.Z.SetInt(1)
	}
}

// Derive returns the script and address at index of chain (0 receive, 1
// change) for the network net, whose keys must be the descriptor's (xpub
// for mainnet, tpub for the others: ErrNetworkMismatch). A chain the
// descriptor does not describe fails with ErrChainUnavailable. Derive is
// safe for concurrent use; the per-key chain derivation is done once.
func (d *Descriptor) Derive(net Network, chain, index uint32) (*Derived, error) {
	c, err := d.prepared()
	if err != nil {
		return nil, err
	}
	if err := d.checkDerive(net, chain, index); err != nil {
		return nil, err
	}
	keys, err := deriveKeys(c.chains[chain], index)
	if err != nil {
		return nil, err
	}
	return d.build(net.Params, chain, index, keys)
}

// DeriveRange returns what Derive returns for each of count indexes of
// chain starting at from, in order. It derives them together, converting
// every key's curve points to affine coordinates with one inversion (see
// toAffine), which makes each script about a third cheaper: a new
// generation's window and the gap's growth during sync derive hundreds at
// a time. TestDeriveRangeMatchesDerive holds the two equal.
func (d *Descriptor) DeriveRange(net Network, chain, from, count uint32) ([]*Derived, error) {
	c, err := d.prepared()
	if err != nil {
		return nil, err
	}
	if count == 0 {
		return nil, nil
	}
	last := uint64(from) + uint64(count) - 1
	if err := d.checkDerive(net, chain, uint32(min(last, uint64(hdkeychain.HardenedKeyStart)))); err != nil {
		return nil, err
	}
	cks := c.chains[chain]
	pts := make([]btcec.JacobianPoint, len(cks)*int(count)) // key k, index from+i at k*count+i
	for k := range cks {
		for i := uint32(0); i < count; i++ {
			if err := cks[k].childPoint(from+i, &pts[k*int(count)+int(i)]); err != nil {
				return nil, fmt.Errorf("key %d: unable to derive index %d: %w", k+1, from+i, err)
			}
		}
	}
	toAffine(pts)
	out := make([]*Derived, count)
	for i := uint32(0); i < count; i++ {
		keys := make([]DerivedKey, len(cks))
		for k := range cks {
			p := &pts[k*int(count)+int(i)]
			keys[k] = DerivedKey{
				PubKey:      btcec.NewPublicKey(&p.X, &p.Y).SerializeCompressed(),
				Fingerprint: cks[k].fp,
				Path:        append(slices.Clone(cks[k].path), from+i),
			}
		}
		slices.SortFunc(keys, func(a, b DerivedKey) int { return bytes.Compare(a.PubKey, b.PubKey) })
		if out[i], err = d.build(net.Params, chain, from+i, keys); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (d *Descriptor) checkDerive(net Network, chain, index uint32) error {
	switch {
	case net.Params == nil:
		return fmt.Errorf("network %q has no parameters", net.Name)
	case net.IsMainnet() != d.IsMainnet():
		return fmt.Errorf("%w: the keys are %s but the network is %s", ErrNetworkMismatch, netKind(d.Keys[0]), net.Name)
	case !d.hasChain(chain):
		return fmt.Errorf("%w: chain %d (the descriptor derives %s)", ErrChainUnavailable, chain, d.Keys[0].suffix())
	case index >= hdkeychain.HardenedKeyStart:
		return fmt.Errorf("%w: index %d is hardened", ErrUnsupportedDerivation, index)
	}
	return nil
}

// deriveKeys derives every key at index and sorts them as sortedmulti does
// (BIP-67: by compressed public key).
func deriveKeys(cks []chainKey, index uint32) ([]DerivedKey, error) {
	out := make([]DerivedKey, len(cks))
	for i := range cks {
		pub, err := cks[i].child(index)
		if err != nil {
			return nil, fmt.Errorf("key %d: unable to derive index %d: %w", i+1, index, err)
		}
		path := append(slices.Clone(cks[i].path), index)
		out[i] = DerivedKey{PubKey: pub, Fingerprint: cks[i].fp, Path: path}
	}
	slices.SortFunc(out, func(a, b DerivedKey) int { return bytes.Compare(a.PubKey, b.PubKey) })
	return out, nil
}

func (d *Descriptor) build(params *chaincfg.Params, chain, index uint32, keys []DerivedKey) (*Derived, error) {
	pubs := make([][]byte, len(keys))
	for i, k := range keys {
		pubs[i] = k.PubKey
	}
	ws, err := multisigScript(d.Threshold, pubs)
	if err != nil {
		return nil, err
	}
	redeem, pkScript, addr, err := wrapScript(d.Type, ws, params)
	if err != nil {
		return nil, err
	}
	return &Derived{
		Chain: chain, Index: index,
		WitnessScript: ws, RedeemScript: redeem, PkScript: pkScript,
		Address: addr, Keys: keys,
	}, nil
}

// multisigScript is "OP_M <key>… OP_N OP_CHECKMULTISIG" with the keys in the
// order given.
func multisigScript(m int, pubs [][]byte) ([]byte, error) {
	b := txscript.NewScriptBuilder().AddInt64(int64(m))
	for _, p := range pubs {
		b.AddData(p)
	}
	return b.AddInt64(int64(len(pubs))).AddOp(txscript.OP_CHECKMULTISIG).Script()
}

// wrapScript returns the P2WSH output for a witness script, or for
// P2SH-P2WSH the P2WSH program as redeem script inside a P2SH output.
func wrapScript(t ScriptType, ws []byte, params *chaincfg.Params) (redeem, pkScript []byte, addr string, err error) {
	h := sha256.Sum256(ws)
	wsh, err := address.NewAddressWitnessScriptHash(h[:], params)
	if err != nil {
		return nil, nil, "", err
	}
	program, err := txscript.PayToAddrScript(wsh)
	if err != nil || t == P2WSH {
		return nil, program, wsh.EncodeAddress(), err
	}
	sh, err := address.NewAddressScriptHash(program, params)
	if err != nil {
		return nil, nil, "", err
	}
	pkScript, err = txscript.PayToAddrScript(sh)
	return program, pkScript, sh.EncodeAddress(), err
}
