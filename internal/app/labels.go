package app

import (
	"context"
	"fmt"
	"strconv"

	"github.com/btcsuite/btcd/txscript/v2"

	"github.com/treasury-dev/treasury/vault"
)

// LabelRecord is one line of a BIP-329 export. Keypath and Value are
// BIP-329's optional additional fields.
type LabelRecord struct {
	Type      string `json:"type"`
	Ref       string `json:"ref"`
	Label     string `json:"label,omitempty"`
	Origin    string `json:"origin,omitempty"`
	Spendable *bool  `json:"spendable,omitempty"`
	Keypath   string `json:"keypath,omitempty"`
	Value     *int64 `json:"value,omitempty"`
}

// labelIndex finds stored labels by type and ref.
type labelIndex map[[2]string]Label

func loadLabels(tx Tx) (labelIndex, error) {
	ls, err := tx.Labels()
	if err != nil {
		return nil, err
	}
	idx := make(labelIndex, len(ls))
	for _, l := range ls {
		idx[[2]string{l.Type, l.Ref}] = l
	}
	return idx, nil
}

// text returns the stored label of (typ, ref), or "".
func (idx labelIndex) text(typ, ref string) string {
	if l, ok := idx[[2]string{typ, ref}]; ok && l.Label != nil {
		return *l.Label
	}
	return ""
}

// ExportLabels returns the BIP-329 records of every vault: each handed-out
// or used address of every generation, each output it received, each
// broadcast proposal's transaction (labelled with its memo), and every
// other label imported before. A label imported or set for a reference
// wins over the one made up here; each record names its generation's
// wallet in origin.
func (a *App) ExportLabels(ctx context.Context) ([]LabelRecord, error) {
	var out []LabelRecord
	err := a.Store.View(ctx, func(tx Tx) error {
		idx, err := loadLabels(tx)
		if err != nil {
			return err
		}
		done := map[[2]string]bool{}
		emit := func(r LabelRecord) {
			if l := idx.text(r.Type, r.Ref); l != "" {
				r.Label = l
			}
			if l, ok := idx[[2]string{r.Type, r.Ref}]; ok && l.Spendable != nil && r.Type == "output" {
				r.Spendable = l.Spendable
			}
			done[[2]string{r.Type, r.Ref}] = true
			out = append(out, r)
		}
		vs, err := tx.Vaults()
		if err != nil {
			return err
		}
		for _, v := range vs {
			if err := a.vaultLabels(tx, v, emit); err != nil {
				return err
			}
		}
		ls, err := tx.Labels()
		if err != nil {
			return err
		}
		for _, l := range ls {
			if done[[2]string{l.Type, l.Ref}] {
				continue
			}
			r := LabelRecord{Type: l.Type, Ref: l.Ref, Origin: l.Origin, Spendable: l.Spendable}
			if l.Label != nil {
				r.Label = *l.Label
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// vaultLabels emits the records of one vault.
func (a *App) vaultLabels(tx Tx, v Vault, emit func(LabelRecord)) error {
	gens, err := tx.Generations(v.ID)
	if err != nil {
		return err
	}
	for _, g := range gens {
		d, err := vault.ParseDescriptor(g.Descriptor)
		if err != nil {
			return err
		}
		origin := d.Origin()
		name := func(chain, i uint32) string {
			return fmt.Sprintf("%s g%d %s %d", v.Name, g.Number, map[uint32]string{0: "receive", 1: "change"}[chain], i)
		}
		ss, err := tx.Scripts(g.ID)
		if err != nil {
			return err
		}
		for _, s := range ss {
			next := g.NextReceive
			if s.Chain == 1 {
				next = g.NextChange
			}
			if !s.Used && s.Index >= next {
				continue
			}
			addr, err := a.scriptAddr(s.PkScript)
			if err != nil {
				return err
			}
			emit(LabelRecord{Type: "addr", Ref: addr, Label: name(s.Chain, s.Index), Origin: origin, Keypath: keypath(s.Chain, s.Index)})
		}
		us, err := tx.UTXOs(UTXOFilter{GenerationID: g.ID})
		if err != nil {
			return err
		}
		for _, u := range us {
			value := int64(u.Value)
			r := LabelRecord{Type: "output", Ref: u.OutPoint.String(), Label: name(u.Chain, u.Index), Origin: origin,
				Keypath: keypath(u.Chain, u.Index), Value: &value}
			if u.SpentBy == "" {
				yes := true
				r.Spendable = &yes
			}
			emit(r)
		}
	}
	ps, err := tx.Proposals(v.ID)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.TxID == "" || p.State == Cancelled || p.State == Failed {
			continue
		}
		label := p.Memo
		if label == "" {
			label = v.Name + " " + p.Kind
		}
		emit(LabelRecord{Type: "tx", Ref: p.TxID, Label: label, Origin: originOf(gens, p.GenerationID)})
	}
	return nil
}

func originOf(gens []Generation, id int64) string {
	for _, g := range gens {
		if g.ID == id {
			if d, err := vault.ParseDescriptor(g.Descriptor); err == nil {
				return d.Origin()
			}
		}
	}
	return ""
}

func keypath(chain, index uint32) string {
	return "/" + strconv.FormatUint(uint64(chain), 10) + "/" + strconv.FormatUint(uint64(index), 10)
}

func (a *App) scriptAddr(script []byte) (string, error) {
	_, addrs, _, err := txscript.ExtractPkScriptAddrs(script, a.Net.Params)
	if err != nil || len(addrs) != 1 {
		return "", fmt.Errorf("script %x has no address", script)
	}
	return addrs[0].EncodeAddress(), nil
}

// ImportLabelsResult says what an import did.
type ImportLabelsResult struct {
	ParsedLabels
}

// ImportLabels stores the labels of a BIP-329 file (Sparrow, Specter,
// Nunchuk, Liana and others write them), all or nothing: a malformed
// record refuses the file and changes nothing. A record that leaves out
// label or spendable keeps the stored value, as BIP-329 asks.
func (a *App) ImportLabels(ctx context.Context, source string, data []byte) (*ImportLabelsResult, error) {
	parsed, err := ParseLabels(data, a.Net)
	if err != nil {
		return nil, errorf(ErrInvalid, "%s: %w", source, err)
	}
	err = a.Store.Update(ctx, func(tx Tx) error {
		for _, l := range parsed.Labels {
			if err := tx.PutLabel(l, a.now()); err != nil {
				return err
			}
		}
		return a.audit(tx, "labels.import", map[string]any{"source": source, "file_sha256": digestHex(data),
			"labels": len(parsed.Labels), "ignored": parsed.Ignored, "truncated": parsed.Truncated})
	})
	if err != nil {
		return nil, err
	}
	return &ImportLabelsResult{ParsedLabels: *parsed}, nil
}
