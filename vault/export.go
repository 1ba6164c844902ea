package vault

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Exports of a vault for recovery with other software. Each format is
// written as that software reads it; where a format cannot express the
// vault, the export fails with ErrExport rather than write a file that
// would recover the wrong wallet.

// coreRequest is one importdescriptors request of Bitcoin Core.
type coreRequest struct {
	Desc      string `json:"desc"`
	Active    bool   `json:"active"`
	Internal  bool   `json:"internal"`
	Range     [2]int `json:"range"`
	Timestamp any    `json:"timestamp"`
}

// ExportCore returns the JSON array to pass to Bitcoin Core's
// importdescriptors (into a wallet created with private keys disabled): the
// receive descriptor ("/0/*", internal false) and the change descriptor
// ("/1/*", internal true), ranged 0..rangeEnd. The rescan starts at the unix
// time timestamp, or "now" when timestamp is negative. A single-chain
// descriptor exports its one chain.
//
// active says whether the wallet hands out its addresses: Bitcoin Core
// keeps one active descriptor per script type and chain, and deposits must
// go to a vault's cold generation only, so every other generation is
// imported inactive, to watch.
func ExportCore(d *Descriptor, timestamp int64, rangeEnd int, active bool) ([]byte, error) {
	if err := exportable(d); err != nil {
		return nil, err
	}
	if rangeEnd < 0 {
		return nil, fmt.Errorf("%w: range end %d is negative", ErrExport, rangeEnd)
	}
	var ts any = timestamp
	if timestamp < 0 {
		ts = "now"
	}
	var reqs []coreRequest
	for chain := uint32(0); chain < 2; chain++ {
		if desc := d.ChainString(chain); desc != "" {
			reqs = append(reqs, coreRequest{
				Desc: desc, Active: active, Internal: chain == 1,
				Range: [2]int{0, rangeEnd}, Timestamp: ts,
			})
		}
	}
	return marshalFile(reqs)
}

// exportable refuses descriptors that NewDescriptor would refuse.
func exportable(d *Descriptor) error {
	if d == nil {
		return fmt.Errorf("%w: no descriptor", ErrExport)
	}
	_, err := d.prepared()
	return err
}

func marshalFile(v any) ([]byte, error) {
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// caravanConfig is Caravan's wallet configuration file.
type caravanConfig struct {
	Name                 string         `json:"name"`
	AddressType          string         `json:"addressType"`
	Network              string         `json:"network"`
	Client               *caravanClient `json:"client,omitempty"`
	Quorum               caravanQuorum  `json:"quorum"`
	ExtendedPublicKeys   []caravanKey   `json:"extendedPublicKeys"`
	StartingAddressIndex int            `json:"startingAddressIndex"`
}

type caravanClient struct {
	Type string `json:"type"`
}

type caravanQuorum struct {
	RequiredSigners int `json:"requiredSigners"`
	TotalSigners    int `json:"totalSigners"`
}

type caravanKey struct {
	Name      string `json:"name"`
	BIP32Path string `json:"bip32Path"`
	XPub      string `json:"xpub"`
	XFP       string `json:"xfp"`
	Method    string `json:"method"`
}

// ExportCaravan returns a Caravan wallet configuration (JSON) for the vault
// on network net, each key named by keyNames (the holders, in key order; a
// missing or empty name is written as the key's fingerprint). Caravan
// derives receive addresses at /0/i and change at /1/i below each xpub, as
// "/<0;1>/*" does. It knows no testnet4, whose keys and addresses are
// testnet's, so testnet4 is written "testnet".
//
// Caravan's importer requires url and username in any client block that is
// not "public", and a file never carries the node's credentials: so the
// client is "public" (a block explorer) where one exists and absent on
// regtest, where Caravan then asks for the node. A key without origin is
// written with Caravan's "Unknown" path and its own fingerprint.
func ExportCaravan(d *Descriptor, name string, keyNames []string, net Network) ([]byte, error) {
	if err := exportable(d); err != nil {
		return nil, err
	}
	if strings.TrimSpace(name) == "" {
		return nil, fmt.Errorf("%w: caravan needs a wallet name", ErrExport)
	}
	if net.IsMainnet() != d.IsMainnet() {
		return nil, fmt.Errorf("%w: the keys are %s but the network is %s", ErrNetworkMismatch, netKind(d.Keys[0]), net.Name)
	}
	cfg := caravanConfig{
		Name:        name,
		AddressType: map[ScriptType]string{P2WSH: "P2WSH", P2SHP2WSH: "P2SH-P2WSH"}[d.Type],
		Network:     caravanNetwork(net),
		Quorum:      caravanQuorum{RequiredSigners: d.Threshold, TotalSigners: d.N()},
	}
	if net.Name != "regtest" {
		cfg.Client = &caravanClient{Type: "public"}
	}
	for i, k := range d.Keys {
		path := "Unknown"
		if k.Origin != nil {
			path = FormatPath(k.Origin.Path)
		}
		fp := k.MasterFingerprint().String()
		keyName := fp
		if i < len(keyNames) && strings.TrimSpace(keyNames[i]) != "" {
			keyName = keyNames[i]
		}
		cfg.ExtendedPublicKeys = append(cfg.ExtendedPublicKeys, caravanKey{
			Name: keyName, BIP32Path: path, XPub: k.XPub.String(), XFP: fp, Method: "text",
		})
	}
	return marshalFile(cfg)
}

func caravanNetwork(net Network) string {
	if net.Name == "testnet4" {
		return "testnet"
	}
	return net.Name
}

// ExportColdcard returns the multisig setup file a Coldcard imports
// (Settings > Multisig Wallets > Import from File), as Coldcard itself
// exports it. Coldcard requires: a name of 1 to 20 ASCII characters; a
// fingerprint and a derivation as deep as the xpub for every key (a key
// without origin is accepted only if it is a master key, depth 0); and
// distinct fingerprints. Anything else fails with ErrExport.
func ExportColdcard(d *Descriptor, name string) ([]byte, error) {
	if err := exportable(d); err != nil {
		return nil, err
	}
	if err := checkColdcardName(name); err != nil {
		return nil, err
	}
	if err := checkColdcardKeys(d.Keys); err != nil {
		return nil, err
	}
	format := map[ScriptType]string{P2WSH: "P2WSH", P2SHP2WSH: "P2SH-P2WSH"}[d.Type]
	var b strings.Builder
	fmt.Fprintf(&b, "# Coldcard Multisig setup file (exported by treasury)\n#\n")
	fmt.Fprintf(&b, "Name: %s\nPolicy: %d of %d\nFormat: %s\n", name, d.Threshold, d.N(), format)
	last := ""
	for _, k := range d.Keys {
		if deriv := FormatPath(k.OriginPath()); deriv != last {
			fmt.Fprintf(&b, "\nDerivation: %s\n\n", deriv)
			last = deriv
		}
		fmt.Fprintf(&b, "%s: %s\n", strings.ToUpper(k.MasterFingerprint().String()), k.XPub.String())
	}
	return []byte(b.String()), nil
}

func checkColdcardName(name string) error {
	if len(name) < 1 || len(name) > 20 {
		return fmt.Errorf("%w: coldcard names are 1 to 20 characters, %q has %d", ErrExport, name, len(name))
	}
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '#' {
			return fmt.Errorf("%w: coldcard names are printable ASCII without '#', %q is not", ErrExport, name)
		}
	}
	return nil
}

func checkColdcardKeys(keys []Key) error {
	seen := map[Fingerprint]int{}
	for i, k := range keys {
		if depth := int(k.XPub.Depth()); len(k.OriginPath()) != depth {
			return fmt.Errorf("%w: coldcard needs each key's origin path as deep as its xpub; key %d has %d steps for depth %d",
				ErrExport, i+1, len(k.OriginPath()), depth)
		}
		fp := k.MasterFingerprint()
		if j, ok := seen[fp]; ok {
			return fmt.Errorf("%w: coldcard cannot hold two keys of one master (%s: keys %d and %d)", ErrExport, fp, j+1, i+1)
		}
		seen[fp] = i
	}
	return nil
}

// ExportBSMS returns the BIP-129 descriptor record (round 2):
//
//	BSMS 1.0
//	<descriptor template, each key ending in /**>
//	/0/*,/1/*
//	<first address>
//
// as in BIP-129's test vectors: the template has no checksum, and the
// restrictions line lists the chains it expands to ("/0/*" alone, or
// "/1/*", for a single-chain descriptor). firstAddress must be the
// descriptor's first address (index 0 of its first chain) on a network of
// its keys, so that a record can never carry a mistyped address.
func ExportBSMS(d *Descriptor, firstAddress string) ([]byte, error) {
	if err := exportable(d); err != nil {
		return nil, err
	}
	if err := checkFirstAddress(d, firstAddress); err != nil {
		return nil, err
	}
	var chains []string
	for chain := uint32(0); chain < 2; chain++ {
		if d.hasChain(chain) {
			chains = append(chains, fmt.Sprintf("/%d/*", chain))
		}
	}
	template := d.template(func(k Key) string { return k.OriginString() + "/**" })
	record := "BSMS 1.0\n" + template + "\n" + strings.Join(chains, ",") + "\n" + firstAddress
	return []byte(record), nil
}

// checkFirstAddress compares addr with index 0 of the descriptor's first
// chain on every network its keys fit.
func checkFirstAddress(d *Descriptor, addr string) error {
	chain := uint32(0)
	if !d.hasChain(0) {
		chain = 1
	}
	var want []string
	for _, net := range networks {
		if net.IsMainnet() != d.IsMainnet() {
			continue
		}
		got, err := d.Derive(net, chain, 0)
		if err != nil {
			return err
		}
		if got.Address == addr {
			return nil
		}
		if !slices.Contains(want, got.Address) {
			want = append(want, got.Address)
		}
	}
	return fmt.Errorf("%w: %q is not the vault's first address (%s)", ErrExport, addr, strings.Join(want, " or "))
}

// ExportDescriptorFile returns the descriptor file of a vault: one line,
// the receive descriptor ("/0/*") with its checksum, or the one chain of a
// single-chain descriptor. One line is what every importer reads as is:
// Caravan's descriptor importer takes one single-chain descriptor (its
// library predates BIP-389's "<0;1>"), Sparrow reads the first paragraph of
// a file and derives the change chain itself, and Bitcoin Core takes the
// line as the desc of importdescriptors or getdescriptorinfo. The change
// descriptor is the same with "/1/*" (the core format carries both).
func ExportDescriptorFile(d *Descriptor) ([]byte, error) {
	if err := exportable(d); err != nil {
		return nil, err
	}
	line := d.ChainString(0)
	if line == "" {
		line = d.ChainString(1)
	}
	return []byte(line + "\n"), nil
}

// ColdcardName fits name to what a Coldcard accepts as a multisig wallet
// name: printable ASCII without '#' (others become '-'), at most 20
// characters (longer names are cut), never empty.
func ColdcardName(name string) string {
	out := make([]byte, 0, len(name))
	for _, r := range strings.TrimSpace(name) {
		if r < 0x20 || r > 0x7e || r == '#' {
			r = '-'
		}
		out = append(out, byte(r))
	}
	if len(out) > 20 {
		out = out[:20]
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		return s
	}
	return "treasury"
}
