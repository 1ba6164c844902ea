package vault

import "errors"

// Errors a caller can test with errors.Is to explain what is wrong with a
// descriptor, a key or an export. Every error this package returns wraps at
// most one of them, with the details (which key, expected against got) in
// its message.
var (
	// ErrSyntax: the text is not a well-formed descriptor or key expression.
	ErrSyntax = errors.New("malformed descriptor")
	// ErrChecksum: the BIP-380 checksum is missing characters or does not
	// match the descriptor.
	ErrChecksum = errors.New("descriptor checksum mismatch")
	// ErrUnsupportedScript: a script function other than wsh(sortedmulti())
	// or sh(wsh(sortedmulti())).
	ErrUnsupportedScript = errors.New("unsupported script")
	// ErrTrailingData: text follows the end of the descriptor.
	ErrTrailingData = errors.New("unexpected text after the descriptor")
	// ErrThreshold: the threshold M is not between 1 and the number of keys.
	ErrThreshold = errors.New("invalid threshold")
	// ErrTooManyKeys: more than MaxKeys keys.
	ErrTooManyKeys = errors.New("too many keys")
	// ErrDuplicateKey: two keys are the same xpub, or have the same origin.
	ErrDuplicateKey = errors.New("duplicate key")
	// ErrMixedNetworks: xpubs (mainnet) and tpubs (test networks) together.
	ErrMixedNetworks = errors.New("keys of different networks")
	// ErrNetworkMismatch: the network asked for is not the keys' network.
	ErrNetworkMismatch = errors.New("network does not match the keys")
	// ErrPrivateKey: a private key (xprv, tprv, WIF, …) was given where only
	// public keys belong.
	ErrPrivateKey = errors.New("private key given")
	// ErrUncompressedKey: an uncompressed public key, which segwit forbids.
	ErrUncompressedKey = errors.New("uncompressed public key")
	// ErrNotExtendedKey: a key that is not an extended public key (a bare
	// public key, a single-signature SLIP-132 key, or garbage).
	ErrNotExtendedKey = errors.New("not an extended public key")
	// ErrHardenedWildcard: "/*'" or "/*h": hardened children cannot be
	// derived from an xpub.
	ErrHardenedWildcard = errors.New("hardened wildcard")
	// ErrHardenedStep: a hardened derivation step after the xpub.
	ErrHardenedStep = errors.New("hardened step after the xpub")
	// ErrUnsupportedDerivation: a derivation after the xpub other than
	// "/<0;1>/*", "/0/*" or "/1/*".
	ErrUnsupportedDerivation = errors.New("unsupported derivation")
	// ErrMixedMultipath: some keys are "/<0;1>/*" and others a single chain,
	// or the single-chain keys name different chains.
	ErrMixedMultipath = errors.New("keys derive different chains")
	// ErrChainUnavailable: a chain the descriptor does not describe (the
	// change chain of a "/0/*" descriptor, or a chain above 1).
	ErrChainUnavailable = errors.New("chain not in the descriptor")
	// ErrScriptTypeMismatch: a key's SLIP-132 prefix or BIP-48 path names
	// the other script type than the vault's.
	ErrScriptTypeMismatch = errors.New("key is for another script type")
	// ErrExport: the export format cannot express this vault.
	ErrExport = errors.New("cannot export")
)
