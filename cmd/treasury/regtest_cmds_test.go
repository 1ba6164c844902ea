package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/regtest"
	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// Script commands that drive a real regtest node (testdata/script/chain_*,
// transfer_* and rotate_*), and a few that read JSON and edit PSBTs so a
// script can check sums and forge what an attacker would send.

// regtestTimeout bounds one regtest command: a start that builds btcd, or a
// fund that mines 100 blocks to mature a coinbase.
const regtestTimeout = 3 * time.Minute

// scriptNodes holds each script's node, keyed by the script's work
// directory, so scripts running in parallel each have their own.
var scriptNodes sync.Map // WORK → *scriptNode

type scriptNode struct {
	node *regtest.Node // nil while stopped
}

// regtest start|stop|restart|mine N|fund ADDR AMOUNT|payee VAR|height VAR|invalidate HEIGHT
//
// start runs a node whose chain lives in $WORK/.btcd, so a start after a
// stop finds the same chain (with new ports and credentials), and sets
// TREASURY_RPC_URL, TREASURY_RPC_USER and TREASURY_RPC_PASS. The node is
// stopped when the script ends. Scripts that use it begin with [short] skip.
func cmdRegtest(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: regtest start|stop|restart|mine N|fund ADDR AMOUNT|payee VAR|height VAR|invalidate HEIGHT")
	}
	ctx, cancel := context.WithTimeout(context.Background(), regtestTimeout)
	defer cancel()
	err := regtestRun(ctx, ts, args[0], args[1:])
	if neg {
		if err == nil {
			ts.Fatalf("regtest %s succeeded unexpectedly", args[0])
		}
		return
	}
	if err != nil {
		ts.Fatalf("regtest %s: %v", args[0], err)
	}
}

func regtestRun(ctx context.Context, ts *testscript.TestScript, verb string, args []string) error {
	work := ts.Getenv("WORK")
	v, loaded := scriptNodes.LoadOrStore(work, &scriptNode{})
	sn := v.(*scriptNode)
	if !loaded {
		ts.Defer(func() {
			if sn.node != nil {
				_ = sn.node.Stop()
			}
			scriptNodes.Delete(work)
		})
	}
	if verb == "start" {
		return sn.start(ctx, ts, work)
	}
	if sn.node == nil {
		return fmt.Errorf("no node is running; use 'regtest start' first")
	}
	switch verb {
	case "stop":
		err := sn.node.Stop()
		sn.node = nil
		return err
	case "restart":
		return sn.node.Restart(ctx)
	case "mine":
		n, err := oneIntArg(args, "mine N")
		if err != nil {
			return err
		}
		_, err = sn.node.Mine(ctx, n)
		return err
	case "fund":
		return sn.fund(ctx, ts, args)
	case "payee":
		if len(args) != 1 {
			return fmt.Errorf("usage: regtest payee VAR")
		}
		ts.Setenv(args[0], sn.node.Address())
		return nil
	case "height":
		if len(args) != 1 {
			return fmt.Errorf("usage: regtest height VAR")
		}
		tip, _, err := sn.node.Chain().Tip(ctx)
		ts.Setenv(args[0], strconv.Itoa(int(tip)))
		return err
	case "invalidate":
		return sn.invalidate(ctx, args)
	}
	return fmt.Errorf("unknown verb %q", verb)
}

func (sn *scriptNode) start(ctx context.Context, ts *testscript.TestScript, work string) error {
	if sn.node != nil {
		return fmt.Errorf("a node is already running")
	}
	n, err := regtest.Start(ctx, regtest.Options{Dir: filepath.Join(work, ".btcd")})
	if err != nil {
		return err
	}
	sn.node = n
	rpc := n.RPC()
	ts.Setenv("TREASURY_RPC_URL", rpc.Host)
	ts.Setenv("TREASURY_RPC_USER", rpc.User)
	ts.Setenv("TREASURY_RPC_PASS", rpc.Pass)
	return nil
}

// fund ADDR AMOUNT pays AMOUNT (0.5btc, 50000sat or BTC) to ADDR from the
// harness wallet, unconfirmed; "regtest mine 1" confirms it.
func (sn *scriptNode) fund(ctx context.Context, ts *testscript.TestScript, args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: regtest fund ADDRESS AMOUNT")
	}
	amt, err := app.ParseAmount(args[1])
	if err != nil {
		return err
	}
	tx, err := sn.node.FundAddress(ctx, args[0], amt)
	if err != nil {
		return err
	}
	fmt.Fprintf(ts.Stdout(), "%s\n", tx.TxHash())
	return nil
}

// invalidate HEIGHT invalidates the block at HEIGHT and every block after
// it, as a reorganization would orphan them; mining afterwards builds the
// competing chain.
func (sn *scriptNode) invalidate(ctx context.Context, args []string) error {
	h, err := oneIntArg(args, "invalidate HEIGHT")
	if err != nil {
		return err
	}
	c := sn.node.Chain()
	var hash string
	if err := c.Call(ctx, "getblockhash", &hash, h); err != nil {
		return err
	}
	return c.Call(ctx, "invalidateblock", nil, hash)
}

func oneIntArg(args []string, usage string) (int, error) {
	if len(args) != 1 {
		return 0, fmt.Errorf("usage: regtest %s", usage)
	}
	return strconv.Atoi(args[0])
}

// jsonvar VAR FILE PATH sets VAR to the value at PATH (dot-separated keys
// and array indices, e.g. proposal.outputs.1.value_sat) in the JSON of FILE
// ("stdout" for the last output).
func cmdJSONVar(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: jsonvar VAR FILE PATH")
	}
	var v any
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[1])), &v))
	for _, k := range strings.Split(args[2], ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				ts.Fatalf("%s: no key %q on the path %s", args[1], k, args[2])
			}
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				ts.Fatalf("%s: no index %q on the path %s", args[1], k, args[2])
			}
			v = x[i]
		default:
			ts.Fatalf("%s: %q is not an object or array on the path %s", args[1], k, args[2])
		}
	}
	switch x := v.(type) {
	case string:
		ts.Setenv(args[0], x)
	case float64:
		ts.Setenv(args[0], strconv.FormatInt(int64(x), 10))
	default:
		b, _ := json.Marshal(x)
		ts.Setenv(args[0], string(b))
	}
}

// calc VAR A [+|-|* B]… sets VAR to the integer result, computed left to
// right, so a script can check exact satoshi amounts:
// calc WANT $IN - $PAID - $FEE
func cmdCalc(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || len(args)%2 != 0 {
		ts.Fatalf("usage: calc VAR A [+|-|* B]…")
	}
	sum, err := strconv.ParseInt(args[1], 10, 64)
	ts.Check(err)
	for i := 2; i < len(args); i += 2 {
		n, err := strconv.ParseInt(args[i+1], 10, 64)
		ts.Check(err)
		switch args[i] {
		case "+":
			sum += n
		case "-":
			sum -= n
		case "*":
			sum *= n
		default:
			ts.Fatalf("calc: operator %q is not +, - or *", args[i])
		}
	}
	ts.Setenv(args[0], strconv.FormatInt(sum, 10))
}

// prefix VAR N VALUE sets VAR to the first N characters of VALUE (a short
// proposal id from a full one).
func cmdPrefix(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: prefix VAR N VALUE")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	if n < 0 || n > len(args[2]) {
		ts.Fatalf("prefix: %q has no %d characters", args[2], n)
	}
	ts.Setenv(args[0], args[2][:n])
}

// psbt-redirect-change IN OUT DESCRIPTOR rewrites the PSBT's internal
// outputs (those carrying BIP-32 derivations) to pay the receive address 0
// of DESCRIPTOR instead, with that descriptor's witness script and
// derivations: the change-substitution attack, dressed as internal.
func cmdPSBTRedirectChange(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: psbt-redirect-change IN OUT DESCRIPTOR")
	}
	p := readPSBT(ts, args[0])
	d, err := vault.ParseDescriptor(args[2])
	ts.Check(err)
	net, err := vault.ParseNetwork("regtest")
	ts.Check(err)
	der, err := d.Derive(net, 0, 0)
	ts.Check(err)
	n := 0
	for i := range p.Outputs {
		if len(p.Outputs[i].Bip32Derivation) == 0 {
			continue
		}
		p.UnsignedTx.TxOut[i].PkScript = der.PkScript
		p.Outputs[i].WitnessScript = der.WitnessScript
		p.Outputs[i].RedeemScript = der.RedeemScript
		p.Outputs[i].Bip32Derivation = nil
		for _, k := range der.Keys {
			p.Outputs[i].Bip32Derivation = append(p.Outputs[i].Bip32Derivation, &btcpsbt.Bip32Derivation{
				PubKey: k.PubKey, MasterKeyFingerprint: k.Fingerprint.PSBT(), Bip32Path: k.Path,
			})
		}
		n++
	}
	if n == 0 {
		ts.Fatalf("%s has no internal output to redirect", args[0])
	}
	writePSBT(ts, args[1], p)
}

// psbt-tamper-sig IN OUT flips one bit in the S value of the first partial
// signature of the first signed input, keeping the DER encoding valid: a
// forged signature.
func cmdPSBTTamperSig(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: psbt-tamper-sig IN OUT")
	}
	p := readPSBT(ts, args[0])
	for i := range p.Inputs {
		if len(p.Inputs[i].PartialSigs) == 0 {
			continue
		}
		sig := p.Inputs[i].PartialSigs[0].Signature
		sig[len(sig)-2] ^= 0x01 // the last byte of S, before the sighash type
		writePSBT(ts, args[1], p)
		return
	}
	ts.Fatalf("%s has no partial signature", args[0])
}

// psbt-txid VAR FILE sets VAR to the unsigned txid of the PSBT in FILE.
func cmdPSBTTxID(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: psbt-txid VAR FILE")
	}
	ts.Setenv(args[0], psbt.UnsignedTxID(readPSBT(ts, args[1])).String())
}

func readPSBT(ts *testscript.TestScript, name string) *btcpsbt.Packet {
	b, err := os.ReadFile(ts.MkAbs(name))
	ts.Check(err)
	p, err := psbt.Decode(b)
	ts.Check(err)
	return p
}

func writePSBT(ts *testscript.TestScript, name string, p *btcpsbt.Packet) {
	s, err := psbt.EncodeBase64(p)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(name), []byte(s+"\n"), 0o644))
}
