// caravan_check.cjs reads a Caravan wallet configuration on stdin, checks it
// as Caravan's coordinator does when a configuration is imported
// (CreateWallet.validateConfig in caravan-bitcoin/caravan: the required
// properties, a client block that is "public" or has url and username, each
// key's name, xpub and method), then derives its first addresses with
// Caravan's own library, @caravan/bitcoin (a braid per chain), and prints
// them as JSON: {"receive": [...], "change": [...]}.
//
//   node caravan_check.cjs COUNT < wallet.json
//
// Packages: @caravan/bitcoin 0.4.5 (package.json beside this file).
'use strict';
const fs = require('fs');
const caravan = require('@caravan/bitcoin');

function fail(msg) {
  process.stderr.write(msg + '\n');
  process.exit(1);
}

function need(obj, props, where) {
  for (const p of props) {
    if (!Object.prototype.hasOwnProperty.call(obj, p)) fail(`Configuration missing property "${where}${p}"`);
  }
}

let config;
try {
  config = JSON.parse(fs.readFileSync(0, 'utf8'));
} catch (e) {
  fail('Invalid JSON');
}
need(config, ['name', 'addressType', 'network', 'quorum', 'extendedPublicKeys'], '');
if (config.startingAddressIndex !== undefined) {
  const err = caravan.validateBIP32Index(String(config.startingAddressIndex), { mode: 'unhardened' });
  if (err) fail(err);
}
if (config.client) {
  need(config.client, config.client.type === 'public' ? ['type'] : ['type', 'url', 'username'], 'client.');
}
need(config.quorum, ['requiredSigners', 'totalSigners'], 'quorum.');
const keyNetwork = config.network === 'regtest' ? 'testnet' : config.network;
const methods = ['jade', 'bitbox', 'trezor', 'coldcard', 'ledger', 'hermit', 'xpub', 'text', 'sparrow', 'bcur2', undefined];
const seen = new Set();
config.extendedPublicKeys.forEach((k, i) => {
  if (seen.has(k.xpub)) fail('Duplicate xpub found.');
  seen.add(k.xpub);
  if (typeof k.name !== 'string') fail(`Extended public key ${i + 1} name must be a string`);
  if (k.method !== 'text' && k.method !== undefined) {
    const err = caravan.validateBIP32Path(k.bip32Path);
    if (err) fail(`Extended public key ${i + 1} error: ${err}`);
  }
  const err = caravan.validateExtendedPublicKey(k.xpub, keyNetwork);
  if (err) fail(err);
  if (!methods.includes(k.method)) fail(`Invalid method for extended public key ${i + 1}`);
});
if (config.extendedPublicKeys.length !== config.quorum.totalSigners) fail('totalSigners does not match the keys');

const count = Number(process.argv[2] || 3);
const out = {};
for (const [chain, name] of [[0, 'receive'], [1, 'change']]) {
  const braid = caravan.generateBraid(
    config.network,
    config.addressType,
    config.extendedPublicKeys.map((k) => ({ base58String: k.xpub, path: k.bip32Path, rootFingerprint: k.xfp })),
    config.quorum.requiredSigners,
    String(chain),
  );
  out[name] = [];
  for (let i = 0; i < count; i++) {
    out[name].push(caravan.multisigAddress(caravan.deriveMultisigByIndex(braid, i)));
  }
}
process.stdout.write(JSON.stringify(out) + '\n');
