package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/treasury-dev/treasury/vault"
)

// VaultDetail is a vault with its generations.
type VaultDetail struct {
	Vault       Vault
	Generations []Generation
	// Balances and Moves are filled by ShowVault only.
	Balances []GenBalance           // per generation, in generation order
	Moves    []Move                 // transactions that moved funds between generations
	Proofs   map[int][]StandbyProof // recorded standby proofs by generation number
}

// Move is a broadcast proposal that moved funds out of a generation.
type Move struct {
	Proposal string
	TxID     string
	Kind     string
	State    ProposalState
	From, To int // generation numbers; To is -1 when nothing moved on
}

// ListVaults returns every vault with its generations.
func (a *App) ListVaults(ctx context.Context) ([]VaultDetail, error) {
	var out []VaultDetail
	err := a.Store.View(ctx, func(tx Tx) error {
		vs, err := tx.Vaults()
		if err != nil {
			return err
		}
		for _, v := range vs {
			gs, err := tx.Generations(v.ID)
			if err != nil {
				return err
			}
			d := VaultDetail{Vault: v, Generations: gs}
			if err := fillProofs(tx, &d); err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

// ShowVault returns one vault with its generations.
func (a *App) ShowVault(ctx context.Context, name string) (*VaultDetail, error) {
	var out *VaultDetail
	err := a.Store.View(ctx, func(tx Tx) error {
		v, err := loadVault(tx, name)
		if err != nil {
			return err
		}
		gs, err := tx.Generations(v.ID)
		if err != nil {
			return err
		}
		out = &VaultDetail{Vault: *v, Generations: gs}
		if err := fillProofs(tx, out); err != nil {
			return err
		}
		return a.fillHistory(tx, out)
	})
	return out, err
}

// fillHistory adds each generation's balance and the transactions that
// moved funds between generations.
func (a *App) fillHistory(tx Tx, d *VaultDetail) error {
	tip, _, err := tx.Cursor()
	if err != nil {
		return err
	}
	ours, err := ourSources(tx)
	if err != nil {
		return err
	}
	number := map[int64]int{}
	for _, g := range d.Generations {
		number[g.ID] = g.Number
		us, err := tx.UTXOs(UTXOFilter{GenerationID: g.ID, Unspent: true})
		if err != nil {
			return err
		}
		d.Balances = append(d.Balances, genBalance(d.Vault, g, us, tip, ours))
	}
	ps, err := tx.Proposals(d.Vault.ID)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.TxID == "" {
			continue
		}
		to := -1
		switch {
		case p.TargetGenID != 0:
			to = number[p.TargetGenID]
		case p.Kind == KindCPFP: // a child pays back into its own generation
			to = number[p.GenerationID]
		}
		d.Moves = append(d.Moves, Move{Proposal: p.ID, TxID: p.TxID, Kind: p.Kind, State: p.State, From: number[p.GenerationID], To: to})
	}
	return nil
}

func loadVault(tx Tx, name string) (*Vault, error) {
	v, err := tx.VaultByName(name)
	if isNotFound(err) {
		return nil, errorf(ErrUnknownVault, "no vault named %q", name)
	}
	return v, err
}

// generationIn returns the generation of a vault in state s.
func generationIn(gs []Generation, s GenState) *Generation {
	for i := range gs {
		if gs[i].State == s {
			return &gs[i]
		}
	}
	return nil
}

// AddressRequest asks for an address of a vault's cold generation.
type AddressRequest struct {
	Vault  string
	Index  *uint32 // nil: the next unused index, which is then handed out
	Change bool
}

// AddressResult is one derived address.
type AddressResult struct {
	Vault      string
	Generation int
	Chain      uint32
	Index      uint32
	Address    string
	Descriptor string
}

// Address derives an address of the vault's cold generation. Hot and
// retired generations never receive: their keys have signed. Without an
// index it hands out the next unused address and records that, so the next
// call gives a fresh one; the watch set always covers it plus the gap.
func (a *App) Address(ctx context.Context, req AddressRequest) (*AddressResult, error) {
	var res *AddressResult
	err := a.Store.Update(ctx, func(tx Tx) error {
		v, err := loadVault(tx, req.Vault)
		if err != nil {
			return err
		}
		gs, err := tx.Generations(v.ID)
		if err != nil {
			return err
		}
		g := generationIn(gs, Cold)
		if g == nil {
			return errorf(ErrNotFound, "vault %q has no cold generation", req.Vault)
		}
		chain := uint32(0)
		next := g.NextReceive
		if req.Change {
			chain, next = 1, g.NextChange
		}
		idx := next
		if req.Index != nil {
			idx = *req.Index
		}
		if idx >= 1<<31 {
			return errorf(ErrInvalid, "index %d is out of range (hardened indexes cannot be derived from an xpub)", idx)
		}
		// Beyond the window signers would refuse it as change and the
		// Core export would not cover it.
		if idx > vault.MaxAddressIndex {
			if req.Index != nil {
				return errorf(ErrInvalid, "index %d is beyond %d, the last index of the window the Core export covers and signers accept", idx, vault.MaxAddressIndex)
			}
			return errorf(ErrRefused, "generation %d has handed out every address up to index %d, the window the Core export covers and signers accept; rotate to the next generation", g.Number, vault.MaxAddressIndex)
		}
		d, err := vault.ParseDescriptor(g.Descriptor)
		if err != nil {
			return err
		}
		dv, err := d.Derive(a.Net, chain, idx)
		if err != nil {
			return err
		}
		res = &AddressResult{Vault: v.Name, Generation: g.Number, Chain: chain, Index: idx, Address: dv.Address, Descriptor: d.ChainString(chain)}
		if req.Index != nil {
			// An explicit index hands nothing out: the next fresh address
			// stays where it was, so no gap opens before it. The watch set
			// still covers the index, in case it is paid.
			if idx < next+v.GapOf() {
				return nil
			}
			if err := a.extendWatch(tx, g, idx+1+v.GapOf()); err != nil {
				return err
			}
		} else {
			if err := tx.SetNextIndex(g.ID, chain, idx+1); err != nil {
				return err
			}
			if err := a.extendWatch(tx, g, idx+1+v.GapOf()); err != nil {
				return err
			}
		}
		return a.audit(tx, "vault.address", map[string]any{"vault": v.Name, "generation": g.Number, "chain": chain, "index": idx, "address": dv.Address})
	})
	return res, err
}

// ExportFormat names a recovery format.
type ExportFormat string

// Export formats.
const (
	FormatDescriptor ExportFormat = "descriptor"
	FormatCore       ExportFormat = "core"
	FormatCaravan    ExportFormat = "caravan"
	FormatColdcard   ExportFormat = "coldcard"
	FormatBSMS       ExportFormat = "bsms"
)

// ExportFormats lists the export formats, as 'vault export --format'
// takes them.
var ExportFormats = []ExportFormat{FormatDescriptor, FormatCore, FormatCaravan, FormatColdcard, FormatBSMS}

// ExportRequest asks for a vault's descriptors in a format other software reads.
type ExportRequest struct {
	Vault  string
	Format ExportFormat
	// Generation picks one generation; nil means the cold one, or every
	// generation when All is set.
	Generation *int
	// All exports every generation, retired ones too (late deposits reach
	// them). Only some files can hold more than one wallet: the caller
	// decides where a bundle is allowed.
	All bool
	// Name is the wallet name written into a Caravan or Coldcard file;
	// empty means "VAULT-gN" (cut to 20 characters for a Coldcard).
	Name string
}

// ExportedGeneration is one generation's export.
type ExportedGeneration struct {
	Number     int
	State      GenState
	Descriptor string // multipath form
	Receive    string // /0/* form
	Change     string // /1/* form
	Data       []byte // the file in the requested format
}

// Export returns the descriptors of a vault's generations for recovery
// with other software: the cold generation's by default.
func (a *App) Export(ctx context.Context, req ExportRequest) ([]ExportedGeneration, error) {
	det, err := a.ShowVault(ctx, req.Vault)
	if err != nil {
		return nil, err
	}
	gens, err := exportedGenerations(det, req)
	if err != nil {
		return nil, err
	}
	var out []ExportedGeneration
	for _, g := range gens {
		var born int64
		if req.Format == FormatCore {
			born = a.birthdayTime(ctx, g)
		}
		e, err := a.exportGeneration(det.Vault, g, req, born)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// exportedGenerations picks the generations an export request names.
func exportedGenerations(det *VaultDetail, req ExportRequest) ([]Generation, error) {
	switch {
	case req.Generation != nil:
		for _, g := range det.Generations {
			if g.Number == *req.Generation {
				return []Generation{g}, nil
			}
		}
		return nil, errorf(ErrNotFound, "vault %q has no generation %d", req.Vault, *req.Generation)
	case req.All:
		return det.Generations, nil
	}
	if g := generationIn(det.Generations, Cold); g != nil {
		return []Generation{*g}, nil
	}
	return nil, errorf(ErrNotFound, "vault %q has no cold generation; give --generation G", req.Vault)
}

// birthdayTime is the time of g's birthday block, from which Bitcoin Core
// rescans (less two hours) when it imports the export. Without a node to
// ask it is 0: Core then rescans from the genesis block, slower but never
// missing a deposit (the vault's creation time could be later than the
// birthday block and make it miss some).
func (a *App) birthdayTime(ctx context.Context, g Generation) int64 {
	if a.Chain == nil || g.Birthday <= 0 {
		return 0
	}
	c, err := a.chain(ctx)
	if err != nil {
		return 0
	}
	bs, err := c.Blocks(ctx, g.Birthday, g.Birthday)
	if err != nil || len(bs) != 1 {
		return 0
	}
	return bs[0].Msg.Header.Timestamp.Unix()
}

// exportGeneration writes g in the requested format; born is the Core
// export's timestamp (birthdayTime).
func (a *App) exportGeneration(v Vault, g Generation, req ExportRequest, born int64) (ExportedGeneration, error) {
	d, err := vault.ParseDescriptor(g.Descriptor)
	if err != nil {
		return ExportedGeneration{}, err
	}
	e := ExportedGeneration{Number: g.Number, State: g.State, Descriptor: d.String(), Receive: d.ChainString(0), Change: d.ChainString(1)}
	name := req.Name
	if name == "" {
		name = fmt.Sprintf("%s-g%d", v.Name, g.Number)
	}
	switch req.Format {
	case FormatDescriptor:
		e.Data, err = vault.ExportDescriptorFile(d)
	case FormatCore:
		e.Data, err = vault.ExportCore(d, born, coreRangeEnd(g), g.State == Cold)
	case FormatCaravan:
		e.Data, err = vault.ExportCaravan(d, name, holderNames(g), a.Net)
	case FormatColdcard:
		if req.Name == "" {
			name = coldcardDefaultName(v.Name, g.Number)
		}
		e.Data, err = vault.ExportColdcard(d, name)
	case FormatBSMS:
		var dv *vault.Derived
		if dv, err = d.Derive(a.Net, 0, 0); err == nil {
			e.Data, err = vault.ExportBSMS(d, dv.Address)
		}
	default:
		return e, errorf(ErrInvalid, "unknown export format %q (descriptor, core, caravan, coldcard, bsms)", req.Format)
	}
	if errors.Is(err, vault.ErrExport) {
		err = errorf(ErrInvalid, "%w", err)
	}
	return e, err
}

// holderNames returns the holders' names in the descriptor's key order
// (the order they were stored in).
func holderNames(g Generation) []string {
	names := make([]string, len(g.Holders))
	for _, h := range g.Holders {
		if h.Position >= 0 && h.Position < len(names) {
			names[h.Position] = h.Name
		}
	}
	return names
}

// coldcardDefaultName is "VAULT-gN" within a Coldcard's 20 characters: the
// vault name is cut, never the generation, so two generations' wallets
// stay apart on the device.
func coldcardDefaultName(vaultName string, gen int) string {
	suffix := fmt.Sprintf("-g%d", gen)
	if len(vaultName)+len(suffix) > 20 {
		vaultName = vaultName[:20-len(suffix)]
	}
	return vault.ColdcardName(vaultName + suffix)
}

// coreRangeEnd is the last index the Core export covers: the whole window
// of vault.MaxAddressIndex, where signers accept change and the
// coordinator hands out addresses (and beyond, with the gap, for a
// generation that went past it before the window existed).
func coreRangeEnd(g Generation) int {
	return max(vault.MaxAddressIndex, int(max(g.NextReceive, g.NextChange))+GapLimit)
}
