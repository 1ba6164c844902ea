package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/treasury-dev/treasury/vault"
)

// ImportFormats are the names 'vault import --format' takes, each with the
// file formats it accepts ("sparrow" is Sparrow's multisig text, the
// Coldcard format, or its output descriptor file).
var ImportFormats = map[string][]vault.FileFormat{
	"descriptor": {vault.FileText},
	"core":       {vault.FileCore},
	"caravan":    {vault.FileCaravan},
	"coldcard":   {vault.FileColdcard},
	"sparrow":    {vault.FileColdcard, vault.FileText},
	"bsms":       {vault.FileBSMS},
	"bip388":     {vault.FileBIP388},
	"specter":    {vault.FileSpecter},
	"treasury":   {vault.FileTreasury},
}

// ImportRequest asks to create a vault from another wallet's file.
type ImportRequest struct {
	Name   string
	Source string // the file's name, for messages and the audit log
	Data   []byte
	// Format is one of ImportFormats' names, or "" to detect it.
	Format string
	// Birthday is the height to scan from; nil takes it from the file
	// (Core's timestamp, through the node), else 0 with a note.
	Birthday *int32
	// FromUTXOSet: as CreateVaultRequest.FromUTXOSet.
	FromUTXOSet bool
}

// ImportResult is the vault created from the file.
type ImportResult struct {
	CreateVaultResult
	Format   vault.FileFormat
	Birthday int32
	// Note says where the birthday came from when it is a guess.
	Note string
}

// timestampWindow is how far before a wallet's timestamp its first
// transaction may be mined: Bitcoin Core rescans from the first block
// whose time is within two hours of it (TIMESTAMP_WINDOW).
const timestampWindow = 2 * 60 * 60

// ImportVault creates a vault whose cold generation (number 0) is the one
// wallet of a file written by other software: a descriptor file, Bitcoin
// Core's listdescriptors or importdescriptors JSON (ours too), a Caravan
// configuration, a Coldcard or Sparrow multisig file, a BSMS record or a
// BIP-388 wallet policy. The keys are checked as 'vault create' checks
// them, and a wallet whose scripts another vault already watches is
// refused.
func (a *App) ImportVault(ctx context.Context, req ImportRequest) (*ImportResult, error) {
	entry, format, err := readImport(req)
	if err != nil {
		return nil, err
	}
	d := entry.Descriptor
	specs := make([]KeySpec, len(d.Keys))
	for i, k := range d.Keys {
		name := ""
		if i < len(entry.KeyNames) {
			name = strings.Map(func(r rune) rune {
				if r == '=' || r == '[' || r == ']' || r == '/' {
					return '-'
				}
				return r
			}, strings.TrimSpace(entry.KeyNames[i]))
		}
		if name != "" {
			specs[i] = KeySpec(name + "=" + k.OriginString())
		} else {
			specs[i] = KeySpec(k.OriginString())
		}
	}
	birthday, note, err := a.importBirthday(ctx, req, entry)
	if err != nil {
		return nil, err
	}
	res, err := a.CreateVault(ctx, CreateVaultRequest{
		Name: req.Name, Threshold: d.Threshold, Keys: specs, ScriptType: d.Type, Birthday: birthday, FromUTXOSet: req.FromUTXOSet,
		importedFrom: fmt.Sprintf("%s (%s)", req.Source, format),
	})
	if err != nil {
		return nil, err
	}
	return &ImportResult{CreateVaultResult: *res, Format: format, Birthday: birthday, Note: note}, nil
}

// readImport parses the file and picks its one wallet.
func readImport(req ImportRequest) (*vault.ExportEntry, vault.FileFormat, error) {
	if len(req.Data) > vault.MaxExportSize {
		return nil, "", errorf(ErrInvalid, "%s is larger than %d bytes; it is no wallet file", req.Source, vault.MaxExportSize)
	}
	want, known := ImportFormats[req.Format]
	if req.Format != "" && !known {
		return nil, "", errorf(ErrInvalid, "unknown import format %q (descriptor, core, caravan, coldcard, sparrow, bsms, bip388, specter, treasury)", req.Format)
	}
	e, err := vault.ParseExport(req.Data)
	if err != nil {
		return nil, "", errorf(ErrInvalid, "%s: %w", req.Source, err)
	}
	if req.Format != "" && !containsFormat(want, e.Format) {
		return nil, "", errorf(ErrInvalid, "%s is a %s file, not %s", req.Source, e.Format, req.Format)
	}
	if len(e.Entries) != 1 {
		return nil, "", errorf(ErrInvalid, "%s holds %d wallets; import one at a time (export a single generation, or cut the file down to one wallet)", req.Source, len(e.Entries))
	}
	return &e.Entries[0], e.Format, nil
}

func containsFormat(fs []vault.FileFormat, f vault.FileFormat) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}

// importBirthday picks the height to scan the imported wallet from: the
// one given; else the file's block height (Specter); else the file's
// timestamp turned into a height by the node;
// else block 0, with a note saying why (and, on mainnet, that a scan from
// genesis takes long). Block 0 never misses a deposit; a guessed later
// height could.
func (a *App) importBirthday(ctx context.Context, req ImportRequest, e *vault.ExportEntry) (int32, string, error) {
	if req.Birthday != nil {
		if *req.Birthday < 0 {
			return 0, "", errorf(ErrInvalid, "birthday %d is negative", *req.Birthday)
		}
		return *req.Birthday, "", nil
	}
	if e.Height > 0 {
		return e.Height, fmt.Sprintf("birthday %d: the file's blockheight", e.Height), nil
	}
	if e.Timestamp > 0 && a.Chain != nil {
		h, err := a.heightAt(ctx, e.Timestamp-timestampWindow)
		if err != nil {
			return 0, "", err
		}
		return h, fmt.Sprintf("birthday %d: the first block within two hours of the file's timestamp %d", h, e.Timestamp), nil
	}
	why := "the file gives no birthday"
	if e.Timestamp > 0 {
		why = "without a node the file's timestamp cannot be turned into a height"
	}
	note := why + ": scanning from block 0 (give --birthday HEIGHT to start later)"
	if a.Net.IsMainnet() {
		note = why + ": scanning from block 0, which takes days on mainnet; import again with --birthday HEIGHT (a block before the wallet's first deposit) to start later"
	}
	return 0, note, nil
}

// heightAt returns the height of the first block whose time is at or
// after ts (the tip's height + 1 when none is), by binary search over
// block times. Block times are not strictly increasing, but each is above
// the median of the 11 before it, so the search lands within an hour or
// two of the true first block, which the two-hour window covers.
func (a *App) heightAt(ctx context.Context, ts int64) (int32, error) {
	c, err := a.Chain(ctx)
	if err != nil {
		return 0, err
	}
	tip, _, err := c.Tip(ctx)
	if err != nil {
		return 0, err
	}
	lo, hi := int32(0), tip+1
	for lo < hi {
		mid := lo + (hi-lo)/2
		bs, err := c.Blocks(ctx, mid, mid)
		if err != nil {
			return 0, err
		}
		if len(bs) != 1 {
			return 0, fmt.Errorf("the node returned %d blocks for height %d", len(bs), mid)
		}
		if bs[0].Msg.Header.Timestamp.Unix() >= ts {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return min(lo, tip), nil
}
