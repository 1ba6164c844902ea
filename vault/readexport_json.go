package vault

import (
	"encoding/json"
	"slices"
)

// treasuryExport is 'treasury vault export --json'.
type treasuryExport struct {
	Vault       string `json:"vault"`
	Generations []struct {
		Generation int    `json:"generation"`
		Descriptor string `json:"descriptor"`
	} `json:"generations"`
}

// coreDescriptor is one entry of Bitcoin Core's importdescriptors request
// or listdescriptors result.
type coreDescriptor struct {
	Desc      string          `json:"desc"`
	Timestamp json.RawMessage `json:"timestamp"`
}

// unixTime is a Core timestamp: a number of seconds, or "now" (0).
func (c coreDescriptor) unixTime() int64 {
	var n int64
	if json.Unmarshal(c.Timestamp, &n) != nil || n < 0 {
		return 0
	}
	return n
}

// coreList is Bitcoin Core's listdescriptors result.
type coreList struct {
	WalletName  string           `json:"wallet_name"`
	Descriptors []coreDescriptor `json:"descriptors"`
}

// specterWallet is a Specter wallet file.
type specterWallet struct {
	Label       string `json:"label"`
	Descriptor  string `json:"descriptor"`
	BlockHeight int32  `json:"blockheight"` // when the wallet was made: where a rescan starts
}

// parseJSONExport recognises the JSON formats by their fields; any other
// JSON document is searched for string values that are descriptors.
func parseJSONExport(b []byte) (*Export, error) {
	if b[0] == '[' {
		var reqs []coreDescriptor
		if json.Unmarshal(b, &reqs) == nil && allCore(reqs) {
			return coreExport(reqs, "")
		}
		return genericJSON(b)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return genericJSON(b)
	}
	switch {
	case fields["generations"] != nil && fields["vault"] != nil:
		var t treasuryExport
		if json.Unmarshal(b, &t) == nil {
			return t.export()
		}
	case fields["descriptors"] != nil:
		var l coreList
		if json.Unmarshal(b, &l) == nil && allCore(l.Descriptors) {
			return coreExport(l.Descriptors, l.WalletName)
		}
	case fields["extendedPublicKeys"] != nil && fields["quorum"] != nil:
		return parseCaravan(b)
	case fields["descriptor_template"] != nil && fields["keys_info"] != nil:
		return parseBIP388(b)
	case fields["descriptor"] != nil && fields["label"] != nil:
		var w specterWallet
		if json.Unmarshal(b, &w) == nil && looksLikeDescriptor(w.Descriptor) {
			e := &Export{Format: FileSpecter}
			if err := e.add(w.Descriptor, w.Label, -1); err != nil {
				return nil, err
			}
			e.Entries[0].Height = max(w.BlockHeight, 0)
			return e, nil
		}
	}
	return genericJSON(b)
}

func allCore(ds []coreDescriptor) bool {
	for _, d := range ds {
		if d.Desc == "" {
			return false
		}
	}
	return len(ds) > 0
}

// coreExport keeps the descriptors Core would import; ones that are not a
// multisig wallet's (Core exports single-key descriptors too) are skipped.
func coreExport(ds []coreDescriptor, name string) (*Export, error) {
	e := &Export{Format: FileCore}
	for _, d := range ds {
		if !looksLikeDescriptor(d.Desc) {
			continue
		}
		if err := e.add(d.Desc, name, -1); err != nil {
			return nil, err
		}
		e.noteTimestamp(d.Desc, d.unixTime())
	}
	return e, nil
}

func (t *treasuryExport) export() (*Export, error) {
	e := &Export{Format: FileTreasury}
	for _, g := range t.Generations {
		gen := g.Generation
		if gen < 0 {
			gen = -1
		}
		if err := e.add(g.Descriptor, t.Vault, gen); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// genericJSON takes every string value that looks like a descriptor.
func genericJSON(b []byte) (*Export, error) {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	e := &Export{Format: FileJSON}
	var err error
	walkStrings(v, func(s string) {
		if err == nil && looksLikeDescriptor(s) {
			err = e.add(s, "", -1)
		}
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// walkStrings calls fn on every string in v. Map keys are visited in an
// order Go leaves unspecified, so entries of a generic document are
// ordered by first appearance in a sorted walk.
func walkStrings(v any, fn func(string)) {
	switch x := v.(type) {
	case string:
		fn(x)
	case []any:
		for _, e := range x {
			walkStrings(e, fn)
		}
	case map[string]any:
		for _, k := range sortedKeys(x) {
			walkStrings(x[k], fn)
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// noteTimestamp records ts as the birth of the entry of desc, keeping the
// earliest known one (Core gives each chain's descriptor its own).
func (e *Export) noteTimestamp(desc string, ts int64) {
	d, err := ParseDescriptor(desc)
	if err != nil || ts <= 0 {
		return
	}
	if d, err = Wallet(d); err != nil {
		return
	}
	for i := range e.Entries {
		if have := &e.Entries[i]; have.Descriptor.Equal(d) && (have.Timestamp == 0 || ts < have.Timestamp) {
			have.Timestamp = ts
		}
	}
}
