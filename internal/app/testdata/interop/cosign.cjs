// cosign.cjs signs a treasury PSBT with bitcoinjs-lib, an implementation
// independent of treasury's own signer, as a hardware wallet or Sparrow
// would: it finds its keys through the PSBT's BIP-32 derivations
// (signAllInputsHD) from a BIP-32 master key.
//
//   node cosign.cjs XPRV < unsigned.psbt.b64 > signed.psbt.b64
//
// Packages: bitcoinjs-lib 7.0.5, bip32 5.0.1, tiny-secp256k1 2.2.4
// (package.json beside this file; `npm ci` here installs them).
'use strict';
const fs = require('fs');
const ecc = require('tiny-secp256k1');
const bitcoin = require('bitcoinjs-lib');
const { BIP32Factory } = require('bip32');

bitcoin.initEccLib(ecc);
const bip32 = BIP32Factory(ecc);
const network = bitcoin.networks.regtest;

const master = bip32.fromBase58(process.argv[2], network);
const psbt = bitcoin.Psbt.fromBase64(fs.readFileSync(0, 'utf8').trim(), { network });
psbt.signAllInputsHD(master, [bitcoin.Transaction.SIGHASH_ALL]);
const validator = (pubkey, msghash, signature) => ecc.verify(msghash, pubkey, signature);
if (!psbt.validateSignaturesOfAllInputs(validator)) {
  throw new Error('bitcoinjs-lib produced a signature it cannot validate');
}
process.stdout.write(psbt.toBase64() + '\n');
