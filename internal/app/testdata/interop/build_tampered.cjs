// build_tampered.cjs builds a PSBT with bitcoinjs-lib from a plain
// description of its inputs and outputs, then applies one tamper mode, as an
// attacker between the coordinator and a signer would. treasury's signer
// must refuse every tampered PSBT and sign the untampered one.
//
//   node build_tampered.cjs < spec.json > psbt.b64
//
// spec: {version, locktime, mode, inputs: [{txid, vout, sequence, prevTx,
// value, script, witnessScript, derivations: [{fp, path, pubkey}]}],
// outputs: [{script, value, witnessScript?, derivations?}], attacker:
// {script, witnessScript, pubkeys}, otherWitnessScript}; hex strings.
// Modes: none, attacker-change, change-script, swapped-witness-script,
// fee-bump, sighash-none, witness-utxo-lie.
//
// Packages: bitcoinjs-lib 7.0.5, tiny-secp256k1 2.2.4 (package.json here).
'use strict';
const fs = require('fs');
const ecc = require('tiny-secp256k1');
const bitcoin = require('bitcoinjs-lib');

bitcoin.initEccLib(ecc);
const spec = JSON.parse(fs.readFileSync(0, 'utf8'));
const hex = (s) => Buffer.from(s, 'hex');
const derivs = (ds) => ds.map((d) => ({ masterFingerprint: hex(d.fp), path: d.path, pubkey: hex(d.pubkey) }));
const isChange = (o) => o.derivations && o.derivations.length > 0;
const mode = spec.mode;

const psbt = new bitcoin.Psbt({ network: bitcoin.networks.regtest });
psbt.setVersion(spec.version);
psbt.setLocktime(spec.locktime);
spec.inputs.forEach((inp, i) => {
  let witnessScript = hex(inp.witnessScript);
  let value = BigInt(inp.value);
  if (i === 0 && mode === 'swapped-witness-script') witnessScript = hex(spec.otherWitnessScript);
  if (i === 0 && mode === 'witness-utxo-lie') value -= 100000n;
  const input = {
    hash: inp.txid,
    index: inp.vout,
    sequence: inp.sequence,
    nonWitnessUtxo: hex(inp.prevTx),
    witnessUtxo: { script: hex(inp.script), value },
    witnessScript,
    bip32Derivation: derivs(inp.derivations),
  };
  if (i === 0 && mode === 'sighash-none') input.sighashType = bitcoin.Transaction.SIGHASH_NONE;
  psbt.addInput(input);
});
spec.outputs.forEach((o) => {
  const out = { script: hex(o.script), value: BigInt(o.value) };
  if (isChange(o)) {
    out.witnessScript = hex(o.witnessScript);
    out.bip32Derivation = derivs(o.derivations);
    if (mode === 'attacker-change') {
      // The attacker's own multisig, with derivations that claim the
      // vault's fingerprints and paths for the attacker's keys.
      out.script = hex(spec.attacker.script);
      out.witnessScript = hex(spec.attacker.witnessScript);
      out.bip32Derivation = o.derivations.map((d, k) => ({
        masterFingerprint: hex(d.fp), path: d.path, pubkey: hex(spec.attacker.pubkeys[k]),
      }));
    }
    if (mode === 'change-script') out.script = hex(spec.attacker.script);
    if (mode === 'fee-bump') out.value = 1000n;
  }
  psbt.addOutput(out);
});
process.stdout.write(psbt.toBase64() + '\n');
