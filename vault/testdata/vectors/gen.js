// gen.js computes the multisig descriptor vectors in descriptors.json with two
// independent JavaScript implementations, and fails if they disagree:
//
//   @bitcoinerlab/descriptors 3.2.0 (with @bitcoinerlab/secp256k1 2.0.0):
//       parses each descriptor and derives its addresses and witness scripts;
//       also computes the BIP-380 checksums written into the descriptors.
//   @caravan/bitcoin 0.4.5: Caravan's own "braid" code derives the same
//       addresses from the bare xpubs (BIP-32 + BIP-67 sort + bitcoinjs payments),
//       and converts xpubs to SLIP-132 Zpub/Vpub/Ypub/Upub.
//   bip32 5.0.1 (with tiny-secp256k1 2.2.4) makes the keys from fixed seeds.
//
// Run it outside the repository:
//   npm install @bitcoinerlab/descriptors@3.2.0 @bitcoinerlab/secp256k1@2.0.0 \
//     @caravan/bitcoin@0.4.5 bip32@5.0.1 tiny-secp256k1@2.2.4
//   node gen.js > descriptors.json
'use strict';
const crypto = require('crypto');
const ecc = require('@bitcoinerlab/secp256k1');
const tinysecp = require('tiny-secp256k1');
const { DescriptorsFactory, checksum, networks } = require('@bitcoinerlab/descriptors');
const { BIP32Factory } = require('bip32');
const caravan = require('@caravan/bitcoin');

const { Output } = DescriptorsFactory(ecc);
const bip32 = BIP32Factory(tinysecp);
const H = 0x80000000;

const NETS = {
  mainnet: { js: networks.bitcoin, caravan: caravan.Network.MAINNET },
  testnet: { js: networks.testnet, caravan: caravan.Network.TESTNET },
  // Caravan 0.4.5 refuses signet ("Signet is not supported yet"); signet's
  // addresses and keys are the testnet ones, so its testnet code computes them.
  signet: { js: networks.testnet, caravan: caravan.Network.TESTNET },
  regtest: { js: networks.regtest, caravan: caravan.Network.REGTEST },
};

// key makes the account key of seed number n at m/48'/coin'/0'/script'.
function key(n, coin, script, marker) {
  const seed = crypto.createHash('sha256').update('treasury vault vector seed ' + n).digest();
  const net = coin === 0 ? networks.bitcoin : networks.testnet;
  const master = bip32.fromSeed(seed, net);
  const fp = Buffer.from(master.fingerprint).toString('hex');
  const acct = master.deriveHardened(48).deriveHardened(coin).deriveHardened(0).deriveHardened(script);
  const path = ['48', String(coin), '0', String(script)].map((s) => s + marker).join('/');
  return { origin: `[${fp}/${path}]`, xpub: acct.neutered().toBase58(), fp, path: 'm/' + path };
}

function descriptor(type, m, keys, suffix) {
  const body = keys.map((k) => k.origin + k.xpub + suffix).join(',');
  const inner = `sortedmulti(${m},${body})`;
  const d = type === 'wsh' ? `wsh(${inner})` : `sh(wsh(${inner}))`;
  return d + '#' + checksum(d);
}

function viaBitcoinerlab(desc, net, chain, index, multipath) {
  const opts = { descriptor: desc, index, network: NETS[net].js };
  if (multipath) opts.change = chain;
  const out = new Output(opts);
  return {
    address: out.getAddress(),
    witnessScript: Buffer.from(out.getWitnessScript()).toString('hex'),
  };
}

function viaCaravan(type, m, keys, net, chain, index) {
  const addressType = type === 'wsh' ? 'P2WSH' : 'P2SH-P2WSH';
  const xpubs = keys.map((k) => ({ base58String: k.xpub, path: k.path, rootFingerprint: k.fp }));
  const braid = caravan.generateBraid(NETS[net].caravan, addressType, xpubs, m, String(chain));
  const ms = caravan.deriveMultisigByIndex(braid, index);
  return {
    address: caravan.multisigAddress(ms),
    witnessScript: Buffer.from(caravan.multisigWitnessScript(ms).output).toString('hex'),
  };
}

function addresses(c) {
  const out = [];
  for (const chain of c.chains) {
    for (const index of [0, 1]) {
      const a = viaBitcoinerlab(c.descriptor, c.network, chain, index, c.multipath);
      const b = viaCaravan(c.type, c.threshold, c.keys, c.network, chain, index);
      if (a.address !== b.address || a.witnessScript !== b.witnessScript) {
        throw new Error(`${c.name} ${chain}/${index}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`);
      }
      out.push({ chain, index, address: a.address, witness_script: a.witnessScript });
    }
  }
  return out;
}

function makeCase(name, type, network, m, keys, multipath = true, chains = [0, 1]) {
  const suffix = multipath ? '/<0;1>/*' : `/${chains[0]}/*`;
  const c = { name, type, network, threshold: m, keys, multipath, chains };
  c.descriptor = descriptor(type, m, keys, suffix);
  return c;
}

const seeds = (from, n, coin, script, marker) =>
  Array.from({ length: n }, (_, i) => key(from + i, coin, script, marker));

// Published keys: BIP-129's 2-of-2 example and Bitcoin Core's doc/descriptors.md example.
const bip129 = [
  { origin: "[1cf0bf7e/48'/0'/0'/2']", fp: '1cf0bf7e', path: "m/48'/0'/0'/2'",
    xpub: 'xpub6FL8FhxNNUVnG64YurPd16AfGyvFLhh7S2uSsDqR3Qfcm6o9jtcMYwh6DvmcBF9qozxNQmTCVvWtxLpKTnhVLN3Pgnu2D3pAoXYFgVyd8Yz' },
  { origin: "[4fc1dd4a/48'/0'/0'/2']", fp: '4fc1dd4a', path: "m/48'/0'/0'/2'",
    xpub: 'xpub6EebMbEps7ZcV3FYEnddRsvrFWDrt2tiPmCeM7pPXQEmphvq9ZfJ1LWFUDjf3vxCeBuPrfyGrMazWUsYsetrnHatQZVLJH7LsgCjtMqdzgj' },
];
const core = [
  { origin: '[6f53d49c/44h/1h/0h]', fp: '6f53d49c', path: "m/44'/1'/0'",
    xpub: 'tpubDDjsCRDQ9YzyaAq9rspCfq8RZFrWoBpYnLxK6sS2hS2yukqSczgcYiur8Scx4Hd5AZatxTuzMtJQJhchufv1FRFanLqUP7JHwusSSpfcEp2' },
  { origin: '[e6807791/44h/1h/0h]', fp: 'e6807791', path: "m/44'/1'/0'",
    xpub: 'tpubDDAfvogaaAxaFJ6c15ht7Tq6ZmiqFYfrSmZsHu7tHXBgnjMZSHAeHSwhvjARNA6Qybon4ksPksjRbPDVp7yXA1KjTjSd5x18KHqbppnXP1s' },
  { origin: '[367c9cfa/44h/1h/0h]', fp: '367c9cfa', path: "m/44'/1'/0'",
    xpub: 'tpubDDtPnSgWYk8dDnaDwnof4ehcnjuL5VoUt1eW2MoAed1grPHuXPDnkX1fWMvXfcz3NqFxPbhqNZ3QBdYjLz2hABeM9Z2oqMR1Gt2HHYDoCgh' },
];

const cases = [
  makeCase('wsh_2of3_regtest', 'wsh', 'regtest', 2, seeds(0, 3, 1, 2, "'")),
  makeCase('wsh_2of3_testnet_h', 'wsh', 'testnet', 2, seeds(0, 3, 1, 2, 'h')),
  makeCase('shwsh_2of3_testnet', 'sh-wsh', 'testnet', 2, seeds(0, 3, 1, 1, "'")),
  makeCase('wsh_3of5_mainnet', 'wsh', 'mainnet', 3, seeds(10, 5, 0, 2, "'")),
  makeCase('wsh_1of1_signet', 'wsh', 'signet', 1, seeds(20, 1, 1, 2, 'h')),
  makeCase('wsh_11of15_regtest', 'wsh', 'regtest', 11, seeds(30, 15, 1, 2, "'")),
  makeCase('shwsh_15of15_mainnet', 'sh-wsh', 'mainnet', 15, seeds(50, 15, 0, 1, 'h')),
  makeCase('bip129_2of2_mainnet', 'wsh', 'mainnet', 2, bip129),
  makeCase('core_doc_2of3_testnet_receive', 'wsh', 'testnet', 2, core, false, [0]),
  makeCase('wsh_2of3_testnet_change_only', 'wsh', 'testnet', 2, seeds(0, 3, 1, 2, "'"), false, [1]),
];

const slip132 = [];
for (const k of [...seeds(0, 2, 1, 2, "'"), ...seeds(10, 2, 0, 2, "'"), bip129[0]]) {
  const main = k.xpub.startsWith('xpub');
  for (const prefix of main ? ['Zpub', 'Ypub'] : ['Vpub', 'Upub']) {
    slip132.push({ xpub: k.xpub, slip132: caravan.convertExtendedPublicKey(k.xpub, prefix) });
  }
}

const result = {
  generator: 'vault/testdata/vectors/gen.js',
  implementations: {
    descriptors: '@bitcoinerlab/descriptors 3.2.0 + @bitcoinerlab/secp256k1 2.0.0',
    caravan: '@caravan/bitcoin 0.4.5',
    keys: 'bip32 5.0.1 + tiny-secp256k1 2.2.4, seeds sha256("treasury vault vector seed N")',
  },
  cases: cases.map((c) => ({
    name: c.name, type: c.type, network: c.network, threshold: c.threshold,
    descriptor: c.descriptor, multipath: c.multipath,
    keys: c.keys.map((k) => k.origin + k.xpub),
    addresses: addresses(c),
  })),
  slip132,
};
process.stdout.write(JSON.stringify(result, null, 2) + '\n');
