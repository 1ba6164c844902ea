// Package keys is the offline signer: it creates and holds one key holder's
// BIP-39 seed, keeps it at rest in an age-encrypted key file, exports the
// holder's BIP-48 account keys, remembers which vault descriptors the holder
// trusts, and signs PSBTs that spend from those vaults.
//
// # Key files
//
// A key file is an age file (ASCII-armored) encrypted to a single scrypt
// passphrase recipient. Everything, including the holder's name and network,
// lives inside the encryption; the plaintext carries nothing but age's own
// header. The decrypted payload is a small JSON document:
//
//	{"format": "treasury-key", "version": 1, "name": "alice",
//	 "network": "regtest", "mnemonic": "…24 words…",
//	 "bip39_passphrase": "", "registered": ["wsh(sortedmulti(…))#…"]}
//
// so a holder can always recover with `age -d` and any BIP-39 wallet, without
// this program. Files are written 0600, to a temporary file in the same
// directory that is synced and then renamed into place, so a failure never
// leaves a partial key file behind. [File.SaveNew] refuses to replace an
// existing file; [File.Save] replaces one (after [File.Register]).
//
// # Signing
//
// The signer verifies, it does not trust (principle 5 of DESIGN.md).
// [File.Review] recomputes every input's script from a registered descriptor,
// using the PSBT's BIP-32 derivations only as hints for the chain and index;
// it checks each input's witness UTXO against the full previous transaction;
// and it classifies each output as internal (its script recomputes from a
// registered descriptor) or external (a payment). An output that claims to be
// internal but does not recompute is refused rather than shown as a payment.
// [File.Sign] then signs, with SIGHASH_ALL only, exactly the inputs that
// review approved.
//
// Secrets (mnemonic, BIP-39 passphrase, seed, private keys) never appear in
// String, JSON or error output, and [File.Zero] wipes the bytes the File
// holds. Go strings cannot be wiped, so the mnemonic string returned by [New]
// and the transient copies made while encrypting are the caller's and the
// runtime's to drop.
package keys
