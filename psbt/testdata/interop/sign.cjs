// Signs the PSBTs in unsigned.json with an implementation independent of
// ours and writes signed.json, which TestInterop checks.
//
// Packages (npm): bitcoinjs-lib 7.0.5, ecpair 3.0.2, tiny-secp256k1 2.2.4,
// bip32 5.0.1. Install them in a directory outside the repository and run
//   NODE_PATH=/that/dir/node_modules node sign.cjs
// from this directory, after `go test -run TestInterop -update`.
//
// For each case it: parses our unsigned PSBT and checks what it carries
// (both UTXO forms, scripts, SIGHASH_ALL, BIP-32 derivations whose master
// fingerprints match the signer's key, global xpubs); signs it once with a
// BIP-32 master key through those derivations (signAllInputsHD) and once,
// separately, with per-input WIF keys; validates every signature; then
// combines, finalizes and extracts the transaction.
'use strict';
const fs = require('fs');
const assert = require('assert');
const ecc = require('tiny-secp256k1');
const bitcoin = require('bitcoinjs-lib');
const { BIP32Factory } = require('bip32');
const { ECPairFactory } = require('ecpair');
const bs58check = require('bs58check').default || require('bs58check');

bitcoin.initEccLib(ecc);
const bip32 = BIP32Factory(ecc);
const ECPair = ECPairFactory(ecc);
const network = bitcoin.networks.regtest;
const hex = (b) => Buffer.from(b).toString('hex');
const path = require('path');
// version reads a package's version from the package.json above its entry
// point (some packages do not export ./package.json).
function version(name) {
  for (let dir = path.dirname(require.resolve(name)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (pkg.name === name) return pkg.version;
    }
  }
  throw new Error('no package.json for ' + name);
}

const validator = (pubkey, msghash, signature) => ecc.verify(msghash, pubkey, signature);

function checkUnsigned(c, psbt) {
  assert.strictEqual(psbt.inputCount, c.wif_signer.wifs.length);
  for (const input of psbt.data.inputs) {
    assert.ok(input.witnessUtxo, 'witness utxo');
    assert.ok(input.nonWitnessUtxo, 'non-witness utxo');
    assert.ok(input.witnessScript, 'witness script');
    assert.strictEqual(input.sighashType, bitcoin.Transaction.SIGHASH_ALL);
    assert.strictEqual(input.bip32Derivation.length, 3);
    const fps = input.bip32Derivation.map((d) => hex(d.masterFingerprint));
    assert.ok(fps.includes(c.hd_signer.fingerprint), 'signer fingerprint ' + c.hd_signer.fingerprint + ' in ' + fps);
  }
  const xpubs = psbt.data.globalMap.globalXpub.map((x) => bs58check.encode(x.extendedPubkey));
  assert.deepStrictEqual([...xpubs].sort(), [...c.xpubs].sort());
  for (const x of psbt.data.globalMap.globalXpub) {
    assert.strictEqual(x.path, "m/48'/1'/0'/2'");
  }
}

const out = {
  generator: 'sign.cjs with bitcoinjs-lib ' + version('bitcoinjs-lib') + ', ecpair ' + version('ecpair') +
    ', tiny-secp256k1 ' + version('tiny-secp256k1') + ', bip32 ' + version('bip32'),
  cases: [],
};
const input = JSON.parse(fs.readFileSync('unsigned.json', 'utf8'));
for (const c of input.cases) {
  checkUnsigned(c, bitcoin.Psbt.fromBase64(c.unsigned, { network }));

  const byHD = bitcoin.Psbt.fromBase64(c.unsigned, { network });
  const root = bip32.fromBase58(c.hd_signer.master, network);
  assert.strictEqual(hex(root.fingerprint), c.hd_signer.fingerprint);
  byHD.signAllInputsHD(root);
  assert.ok(byHD.validateSignaturesOfAllInputs(validator));

  const byWIF = bitcoin.Psbt.fromBase64(c.unsigned, { network });
  c.wif_signer.wifs.forEach((wif, i) => byWIF.signInput(i, ECPair.fromWIF(wif, network)));
  assert.ok(byWIF.validateSignaturesOfAllInputs(validator));

  const all = bitcoin.Psbt.fromBase64(byHD.toBase64(), { network }).combine(byWIF);
  all.finalizeAllInputs();
  out.cases.push({
    name: c.name,
    signed_by_hd: byHD.toBase64(),
    signed_by_wif: byWIF.toBase64(),
    final_tx: all.extractTransaction().toHex(),
  });
}
fs.writeFileSync('signed.json', JSON.stringify(out, null, 1) + '\n');
console.log('wrote signed.json:', out.cases.length, 'cases');
