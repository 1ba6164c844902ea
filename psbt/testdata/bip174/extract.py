#!/usr/bin/env python3
"""Extract the BIP-174 test vectors collected in btcd's psbt package.

Usage: extract.py PATH/TO/btcd/psbt/v2@v2.0.0/psbt_test.go > vectors.json

btcd's psbt_test.go (github.com/btcsuite/btcd/psbt/v2 v2.0.0, in the Go
module cache) holds the valid and invalid PSBTs of BIP-174's test vectors,
the Taproot ones from Bitcoin Core PR 22558 and a few of its own. This
copies the four maps verbatim with the comment above each entry.
"""
import json
import re
import sys

src = open(sys.argv[1]).read()
out = {"source": "github.com/btcsuite/btcd/psbt/v2@v2.0.0 psbt_test.go", "valid": [], "invalid": []}
for var, kind, enc in [("validPsbtHex", "valid", "hex"), ("validPsbtBase64", "valid", "base64"),
                       ("invalidPsbtHex", "invalid", "hex"), ("invalidPsbtBase64", "invalid", "base64")]:
    body = re.search(r"var %s = map\[int\]string\{\n(.*?)\n\}" % var, src, re.S).group(1)
    comment = []
    for line in body.split("\n"):
        line = line.strip()
        if line.startswith("//"):
            comment.append(line[2:].strip())
            continue
        m = re.match(r'(\d+):\s*"([^"]*)",?$', line)
        if not m:
            raise SystemExit("unexpected line in %s: %r" % (var, line))
        out[kind].append({"name": "%s %s: %s" % (var, m.group(1), " ".join(comment) or "(btcd)"),
                          enc: m.group(2)})
        comment = []
json.dump(out, sys.stdout, indent=1)
print()
