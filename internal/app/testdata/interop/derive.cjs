// derive.cjs derives multisig addresses with bitcoinjs-lib and bip32, an
// implementation independent of treasury's, for the import vector tests.
//
//   echo '{"network":"regtest","type":"p2wsh","m":2,"xpubs":[…],"chain":0,"count":3}' | node derive.cjs
//
// type is p2wsh or p2sh-p2wsh; keys are sorted (BIP-67) as sortedmulti
// does; prints a JSON array of addresses at chain/0 … chain/count-1.
'use strict';
const fs = require('fs');
const ecc = require('tiny-secp256k1');
const bitcoin = require('bitcoinjs-lib');
const { BIP32Factory } = require('bip32');

const bip32 = BIP32Factory(ecc);
const req = JSON.parse(fs.readFileSync(0, 'utf8'));
const network = { mainnet: bitcoin.networks.bitcoin, testnet: bitcoin.networks.testnet, regtest: bitcoin.networks.regtest }[req.network];
const keyNet = req.network === 'mainnet' ? bitcoin.networks.bitcoin : bitcoin.networks.testnet;
const nodes = req.xpubs.map((x) => bip32.fromBase58(x, keyNet));
const out = [];
for (let i = 0; i < req.count; i++) {
  const pubkeys = nodes.map((n) => Buffer.from(n.derive(req.chain).derive(i).publicKey)).sort(Buffer.compare);
  const p2ms = bitcoin.payments.p2ms({ m: req.m, pubkeys, network });
  const p2wsh = bitcoin.payments.p2wsh({ redeem: p2ms, network });
  const pay = req.type === 'p2sh-p2wsh' ? bitcoin.payments.p2sh({ redeem: p2wsh, network }) : p2wsh;
  out.push(pay.address);
}
process.stdout.write(JSON.stringify(out) + '\n');
