// Package psbt builds, reads, signs, merges and finalizes the partially
// signed transactions (BIP-174, version 0) that move funds out of a vault,
// and chooses the coins and fees for them.
//
// It wraps btcd's psbt package (imported as btcpsbt) and adds what a custody
// workflow needs on top of it:
//
//   - Build writes a complete v0 PSBT for M-of-N P2WSH or P2SH-P2WSH inputs:
//     the full previous transaction and the witness UTXO, the scripts, the
//     BIP-32 derivation of every key of every input and internal output, and
//     the global xpubs.
//   - Decode accepts binary, base64 and hex, and PSBT version 2 (BIP-370),
//     which it converts to version 0 on import.
//   - VerifyPartialSig, SignInput and Merge check every signature against
//     the BIP-143 sighash of its input before it is kept; Finalize builds the
//     witnesses itself and runs the script engine on every input before it
//     returns a transaction.
//   - EstimateVSize, Fee and SelectCoins size a transaction exactly for
//     73-byte signatures and choose inputs the way Bitcoin Core does
//     (branch and bound, single random draw, largest first, least waste).
//
// Everything here is pure: no network, no disk, no clock. A PSBT is a state
// machine; callers verify, then act on exactly what they verified.
package psbt
