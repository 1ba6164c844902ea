// descriptor_check.cjs reads a descriptor file on stdin, as an importer
// that takes it as is would: it must be one line, one descriptor with its
// checksum. @bitcoinerlab/descriptors (a descriptor implementation
// independent of treasury's) checks the checksum and derives the first
// COUNT addresses, printed as a JSON array.
//
//   node descriptor_check.cjs NETWORK COUNT < descriptor.txt
//
// Packages: @bitcoinerlab/descriptors 3.2.0 (package.json beside this file).
'use strict';
const fs = require('fs');
const { networks } = require('bitcoinjs-lib');
const ecc = require('@bitcoinerlab/secp256k1');
const { DescriptorsFactory } = require('@bitcoinerlab/descriptors');

const { Output } = DescriptorsFactory(ecc);
const text = fs.readFileSync(0, 'utf8');
const lines = text.split('\n').filter((l) => l !== '');
if (lines.length !== 1 || !text.endsWith('\n')) {
  process.stderr.write(`want one line, got ${lines.length}\n`);
  process.exit(1);
}
const network = { mainnet: networks.bitcoin, testnet: networks.testnet, regtest: networks.regtest }[process.argv[2]];
const out = [];
for (let i = 0; i < Number(process.argv[3] || 3); i++) {
  out.push(new Output({ descriptor: lines[0], index: i, network, checksumRequired: true }).getAddress());
}
process.stdout.write(JSON.stringify(out) + '\n');
