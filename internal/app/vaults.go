package app

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/internal/parallel"
	"github.com/treasury-dev/treasury/vault"
)

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// KeySpec is one key given on the command line: "[fp/path]xpub", optionally
// prefixed by the holder's name as "alice=[fp/path]xpub".
type KeySpec string

// CreateVaultRequest asks for a new vault.
type CreateVaultRequest struct {
	Name        string
	Threshold   int
	Keys        []KeySpec
	StandbyKeys []KeySpec // optional: generation 1, registered in advance
	// StandbyThreshold defaults to Threshold.
	StandbyThreshold int
	ScriptType       vault.ScriptType // 0: P2WSH
	Birthday         int32            // scan from here; < 0: the node's tip (or 0 without a node)
	// FromUTXOSet reads the generations' current outputs from the node's
	// UTXO set (Bitcoin Core's scantxoutset) instead of scanning every
	// block since Birthday: sync then scans on from the node's tip, and
	// the history before is marked as not scanned. sync --rescan still
	// scans it in full.
	FromUTXOSet bool

	importedFrom string // set by ImportVault: the file, audited as vault.import
}

// CreateVaultResult is the stored vault with its generations.
type CreateVaultResult struct {
	Vault       Vault
	Generations []Generation
	// UTXOSetOutputs and UTXOSetTotal are what FromUTXOSet found.
	UTXOSetOutputs int
	UTXOSetTotal   btcutil.Amount
}

var vaultName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// CreateVault checks the keys and stores generation 0 as cold and, when
// standby keys are given, generation 1 as standby, with their watch sets.
func (a *App) CreateVault(ctx context.Context, req CreateVaultRequest) (*CreateVaultResult, error) {
	if !vaultName.MatchString(req.Name) {
		return nil, errorf(ErrInvalid, "vault name %q must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", req.Name)
	}
	if req.ScriptType == 0 {
		req.ScriptType = vault.P2WSH
	}
	cold, err := a.buildGeneration(req.ScriptType, req.Threshold, req.Keys)
	if err != nil {
		return nil, err
	}
	var standby *Generation
	if len(req.StandbyKeys) > 0 {
		m := req.StandbyThreshold
		if m == 0 {
			m = req.Threshold
		}
		if standby, err = a.buildGeneration(req.ScriptType, m, req.StandbyKeys); err != nil {
			return nil, fmt.Errorf("standby generation: %w", err)
		}
		if err := distinctGenerations(cold, standby); err != nil {
			return nil, err
		}
	}
	birthday, err := a.birthday(ctx, req.Birthday)
	if err != nil {
		return nil, err
	}
	var utxoSet *utxoSet
	if req.FromUTXOSet {
		read := []*Generation{cold}
		if standby != nil {
			read = append(read, standby)
		}
		if utxoSet, err = a.readUTXOSet(ctx, read); err != nil {
			return nil, err
		}
	}
	res := &CreateVaultResult{Vault: Vault{Name: req.Name, Network: a.Net.Name, CreatedAt: a.now()}}
	err = a.Store.Update(ctx, func(tx Tx) error {
		if _, err := tx.VaultByName(req.Name); err == nil {
			return errorf(ErrDuplicate, "a vault named %q already exists", req.Name)
		} else if !isNotFound(err) {
			return err
		}
		if err := tx.InsertVault(&res.Vault); err != nil {
			return err
		}
		gens := []*Generation{cold}
		cold.State, cold.Number = Cold, 0
		if standby != nil {
			standby.State, standby.Number = Standby, 1
			gens = append(gens, standby)
		}
		for _, g := range gens {
			g.VaultID, g.Birthday, g.CreatedAt = res.Vault.ID, birthday, a.now()
			if err := a.insertGeneration(tx, g); err != nil {
				return err
			}
		}
		action, payload := "vault.create", map[string]any{
			"vault": req.Name, "threshold": req.Threshold, "cold": cold.Descriptor, "standby": descOf(standby), "birthday": birthday,
		}
		if utxoSet != nil {
			n, total, err := a.recordUTXOSet(tx, gens, utxoSet)
			if err != nil {
				return err
			}
			payload["utxo_set_height"], payload["utxo_set_outputs"], payload["utxo_set_sat"] = utxoSet.height, n, int64(total)
			res.UTXOSetOutputs, res.UTXOSetTotal = n, total
		}
		for _, g := range gens {
			res.Generations = append(res.Generations, *g)
		}
		if req.importedFrom != "" {
			action, payload["file"] = "vault.import", req.importedFrom
		}
		return a.audit(tx, action, payload)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func descOf(g *Generation) string {
	if g == nil {
		return ""
	}
	return g.Descriptor
}

// birthday resolves a requested birthday height.
func (a *App) birthday(ctx context.Context, h int32) (int32, error) {
	if h >= 0 {
		return h, nil
	}
	if a.Chain == nil {
		if a.Net.IsMainnet() {
			return 0, errorf(ErrInvalid, "without a node the vault's birthday is unknown, and scanning mainnet from genesis takes days; give --birthday HEIGHT (a block before its first deposit) or configure the node first")
		}
		return 0, nil
	}
	c, err := a.Chain(ctx)
	if err != nil {
		return 0, err
	}
	tip, _, err := c.Tip(ctx)
	return tip, err
}

// buildGeneration parses and checks keys and makes the generation's
// descriptor. The generation is not stored.
func (a *App) buildGeneration(t vault.ScriptType, threshold int, specs []KeySpec) (*Generation, error) {
	if len(specs) == 0 {
		return nil, errorf(ErrInvalid, "give at least one --key")
	}
	keys := make([]vault.Key, 0, len(specs))
	names := make([]string, 0, len(specs))
	seenFP := map[vault.Fingerprint]int{}
	for i, spec := range specs {
		name, text := splitHolder(string(spec))
		k, err := vault.ParseKey(text)
		if err != nil {
			return nil, errorf(ErrInvalid, "key %d: %w", i+1, err)
		}
		if k.Origin == nil {
			return nil, errorf(ErrInvalid, "key %d has no key origin; give it as [fingerprint/path]xpub (treasury key xpub prints it)", i+1)
		}
		// Signers (ours, hardware wallets, Bitcoin Core) derive the key at
		// the origin path from their seed: a path shorter or longer than
		// the xpub's depth can only be a typo, and the vault could not be
		// exported to Coldcard or signed for by the holder's device.
		if steps, depth := len(k.Origin.Path), int(k.XPub.Depth()); steps != depth {
			return nil, errorf(ErrInvalid, "key %d: origin path %s has %d steps but the xpub is at depth %d; give the path the xpub was derived at (treasury key xpub prints it)",
				i+1, vault.FormatPath(k.Origin.Path), steps, depth)
		}
		if k.IsMainnet() != a.Net.IsMainnet() {
			return nil, errorf(ErrInvalid, "key %d is for %s, but this treasury is on %s", i+1, keyNet(k), a.Net.Name)
		}
		if j, ok := seenFP[k.Origin.Fingerprint]; ok {
			return nil, errorf(ErrInvalid, "keys %d and %d have the same master fingerprint %s; each holder must have their own seed", j, i+1, k.Origin.Fingerprint)
		}
		seenFP[k.Origin.Fingerprint] = i + 1
		if err := checkHolderName(name); err != nil {
			return nil, errorf(ErrInvalid, "key %d: %w", i+1, err)
		}
		if name == "" {
			name = k.Origin.Fingerprint.String()
		}
		keys = append(keys, k)
		names = append(names, name)
	}
	d, err := vault.NewDescriptor(t, threshold, keys)
	if err != nil {
		return nil, errorf(ErrInvalid, "%w", err)
	}
	g := &Generation{Threshold: threshold, Descriptor: d.String()}
	for i, k := range keys {
		g.Holders = append(g.Holders, Holder{
			Position: i, Name: names[i], Fingerprint: k.Origin.Fingerprint.String(),
			OriginPath: vault.FormatPath(k.Origin.Path), XPub: k.XPub.String(),
		})
	}
	return g, nil
}

func keyNet(k vault.Key) string {
	if k.IsMainnet() {
		return "mainnet (xpub)"
	}
	return "a test network (tpub)"
}

// maxHolderName bounds a holder's name, as vault names are bounded.
const maxHolderName = 64

// checkHolderName refuses a name that would not print as one name on one
// line ('vault show', the TUI, the audit log): a control character (a
// newline, a tab, a terminal escape), invalid UTF-8, or more than
// maxHolderName characters. Names come from the command line and from
// wallet files other software (or an attacker) wrote.
func checkHolderName(name string) error {
	switch {
	case !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("the holder name %q holds a control character or invalid UTF-8; a name must print on one line", name)
	case utf8.RuneCountInString(name) > maxHolderName:
		return fmt.Errorf("the holder name %.20q… has %d characters, more than %d", name, utf8.RuneCountInString(name), maxHolderName)
	}
	return nil
}

// splitHolder separates an optional "name=" prefix from a key expression.
func splitHolder(s string) (name, key string) {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "="); i > 0 && !strings.ContainsAny(s[:i], "[]/") {
		return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
	}
	return "", s
}

// distinctGenerations refuses a standby that reuses the cold generation's
// exact keys: a rotation into the same wallet would move nothing anywhere.
func distinctGenerations(a, b *Generation) error {
	if a.Descriptor == b.Descriptor {
		return errorf(ErrInvalid, "the standby generation has the same keys as the cold one; derive it at the next account (treasury key xpub --generation 1)")
	}
	return nil
}

// insertGeneration stores g and derives its initial watch set, refusing a
// wallet whose scripts a generation (of any vault) already watches.
func (a *App) insertGeneration(tx Tx, g *Generation) error {
	if err := a.notWatched(tx, []*Generation{g}); err != nil {
		return err
	}
	if err := tx.InsertGeneration(g); err != nil {
		return err
	}
	gap, err := gapFor(tx, g.VaultID)
	if err != nil {
		return err
	}
	return a.extendWatch(tx, g, gap)
}

// gapFor is the address gap of a vault.
func gapFor(tx Tx, vaultID int64) (uint32, error) {
	v, err := tx.VaultByID(vaultID)
	if err != nil {
		return 0, err
	}
	return v.GapOf(), nil
}

// extendWatch derives and stores the scripts of both chains of g below
// index limit that are not in the watch set yet. The watch set always
// covers the whole address window signers accept as the vault's own
// (0..vault.MaxAddressIndex, which the Core export covers too): an output a
// signer approved as staying in the vault is then never missing from the
// books, whoever built the transaction. The gap extends it past that.
func (a *App) extendWatch(tx Tx, g *Generation, limit uint32) error {
	limit = max(limit, vault.MaxAddressIndex+1)
	d, err := vault.ParseDescriptor(g.Descriptor)
	if err != nil {
		return fmt.Errorf("generation %d: stored descriptor does not parse: %w", g.Number, err)
	}
	have, err := tx.Scripts(g.ID)
	if err != nil {
		return err
	}
	var watched [2]uint32
	for _, s := range have {
		watched[s.Chain] = max(watched[s.Chain], s.Index+1)
	}
	// A chunk of consecutive indexes per job, derived together (see
	// vault.DeriveRange), the jobs spread over the cores.
	const chunk = 128
	type job struct{ chain, from, count uint32 }
	var jobs []job
	for chain := uint32(0); chain < 2; chain++ {
		for i := watched[chain]; i < limit; i += chunk {
			jobs = append(jobs, job{chain, i, min(chunk, limit-i)})
		}
	}
	derived := make([][]Script, len(jobs))
	err = parallel.ForEach(len(jobs), func(k int) error {
		dvs, err := d.DeriveRange(a.Net, jobs[k].chain, jobs[k].from, jobs[k].count)
		if err != nil {
			return err
		}
		for _, dv := range dvs {
			derived[k] = append(derived[k], Script{PkScript: dv.PkScript, GenerationID: g.ID, Chain: dv.Chain, Index: dv.Index})
		}
		return nil
	})
	if err != nil {
		return err
	}
	var ss []Script
	for _, d := range derived {
		ss = append(ss, d...)
	}
	return tx.InsertScripts(ss)
}

// ensureWindow extends the watch set of every generation stored before it
// covered the whole address window (see extendWatch). It is a no-op once
// done.
func (a *App) ensureWindow(ctx context.Context) error {
	var short []Generation
	err := a.Store.View(ctx, func(tx Tx) error {
		gens, err := tx.AllGenerations()
		if err != nil {
			return err
		}
		for _, g := range gens {
			ss, err := tx.Scripts(g.ID)
			if err != nil {
				return err
			}
			var watched [2]uint32
			for _, s := range ss {
				watched[s.Chain] = max(watched[s.Chain], s.Index+1)
			}
			if min(watched[0], watched[1]) < vault.MaxAddressIndex+1 {
				short = append(short, g)
			}
		}
		return nil
	})
	if err != nil || len(short) == 0 {
		return err
	}
	return a.Store.Update(ctx, func(tx Tx) error {
		for i := range short {
			if err := a.extendWatch(tx, &short[i], 0); err != nil {
				return err
			}
		}
		return nil
	})
}

// notWatched refuses generations whose scripts (the first GapLimit of each
// chain) another vault's generation already watches: the same wallet
// twice would count every deposit twice and let two vaults spend it.
func (a *App) notWatched(tx Tx, gens []*Generation) error {
	all, err := tx.AllGenerations()
	if err != nil {
		return err
	}
	owner := map[string]int64{}
	for _, g := range all {
		ss, err := tx.Scripts(g.ID)
		if err != nil {
			return err
		}
		for _, s := range ss {
			owner[string(s.PkScript)] = g.VaultID
		}
	}
	if len(owner) == 0 {
		return nil
	}
	for _, g := range gens {
		d, err := vault.ParseDescriptor(g.Descriptor)
		if err != nil {
			return err
		}
		for chain := uint32(0); chain < 2; chain++ {
			for i := uint32(0); i < GapLimit; i++ {
				dv, err := d.Derive(a.Net, chain, i)
				if err != nil {
					return err
				}
				if id, ok := owner[string(dv.PkScript)]; ok {
					return a.watchedError(tx, id, dv.Address)
				}
			}
		}
	}
	return nil
}

func (a *App) watchedError(tx Tx, vaultID int64, addr string) error {
	name := fmt.Sprint(vaultID)
	if v, err := tx.VaultByID(vaultID); err == nil {
		name = v.Name
	}
	return errorf(ErrDuplicate, "vault %q already watches these scripts (%s is its address): the same wallet cannot be two vaults", name, addr)
}
