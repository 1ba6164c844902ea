// core_check.cjs reads a Bitcoin Core importdescriptors request (a JSON
// array) on stdin and checks each entry field by field against Core's RPC
// documentation (desc a string with its checksum; active and internal
// booleans; range [begin, end]; timestamp a number or "now"; no other
// field), then derives the first COUNT addresses of each desc with
// @bitcoinerlab/descriptors, printed as {"receive": [...], "change": [...]}.
//
//   node core_check.cjs NETWORK COUNT < core.json
'use strict';
const fs = require('fs');
const { networks } = require('bitcoinjs-lib');
const ecc = require('@bitcoinerlab/secp256k1');
const { DescriptorsFactory } = require('@bitcoinerlab/descriptors');

const { Output } = DescriptorsFactory(ecc);
function fail(msg) {
  process.stderr.write(msg + '\n');
  process.exit(1);
}
const reqs = JSON.parse(fs.readFileSync(0, 'utf8'));
if (!Array.isArray(reqs)) fail('not a JSON array');
const network = { mainnet: networks.bitcoin, testnet: networks.testnet, regtest: networks.regtest }[process.argv[2]];
const count = Number(process.argv[3] || 3);
const allowed = new Set(['desc', 'active', 'internal', 'range', 'timestamp', 'label', 'next_index']);
const out = {};
for (const r of reqs) {
  for (const k of Object.keys(r)) if (!allowed.has(k)) fail(`unknown field ${k}`);
  if (typeof r.desc !== 'string' || !/#[a-z0-9]{8}$/.test(r.desc)) fail('desc without checksum');
  if (typeof r.active !== 'boolean' || typeof r.internal !== 'boolean') fail('active and internal must be booleans');
  if (!Array.isArray(r.range) || r.range.length !== 2 || !r.range.every(Number.isInteger) || r.range[0] > r.range[1]) fail('bad range');
  if (!(Number.isInteger(r.timestamp) || r.timestamp === 'now')) fail('bad timestamp');
  const name = r.internal ? 'change' : 'receive';
  if (out[name]) fail(`two ${name} descriptors`);
  out[name] = [];
  for (let i = 0; i < count; i++) {
    out[name].push(new Output({ descriptor: r.desc, index: i, network, checksumRequired: true }).getAddress());
  }
}
process.stdout.write(JSON.stringify(out) + '\n');
