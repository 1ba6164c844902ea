package main

import (
	"fmt"
	"sync"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/fakenode"
	"github.com/treasury-dev/treasury/internal/regtest"
)

// fakeNodes holds each script's in-memory node, keyed by work directory.
var fakeNodes sync.Map // WORK → *fakenode.Node

// fakenode start core|btcd | mine N | fund ADDR AMOUNT | payee VAR | behind HEIGHT | caughtup | reset
//
// start serves an in-memory node over JSON-RPC on loopback, answering as
// Bitcoin Core without -txindex (core) or btcd (btcd), and sets
// TREASURY_RPC_URL, TREASURY_RPC_USER and TREASURY_RPC_PASS. behind makes
// it show its chain only up to HEIGHT (a node restarted without peers);
// caughtup shows it all again; reset leaves it with the genesis block only
// (a fresh node, or another one); payee sets VAR to an address outside
// every vault. It plays the nodes btcd cannot.
func cmdFakeNode(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("fakenode does not support negation")
	}
	if len(args) == 0 {
		ts.Fatalf("usage: fakenode start core|btcd | mine N | fund ADDR AMOUNT | behind HEIGHT | caughtup | reset")
	}
	if err := fakeNodeRun(ts, args[0], args[1:]); err != nil {
		ts.Fatalf("fakenode %s: %v", args[0], err)
	}
}

func fakeNodeRun(ts *testscript.TestScript, verb string, args []string) error {
	work := ts.Getenv("WORK")
	if verb == "start" {
		if len(args) != 1 || args[0] != "core" && args[0] != "btcd" {
			return fmt.Errorf("usage: fakenode start core|btcd")
		}
		mode := fakenode.Core
		if args[0] == "btcd" {
			mode = fakenode.Btcd
		}
		n := fakenode.New(mode)
		srv := n.Serve("fake", "fakepass")
		ts.Defer(func() { srv.Close(); fakeNodes.Delete(work) })
		fakeNodes.Store(work, n)
		ts.Setenv("TREASURY_RPC_URL", srv.URL)
		ts.Setenv("TREASURY_RPC_USER", "fake")
		ts.Setenv("TREASURY_RPC_PASS", "fakepass")
		return nil
	}
	v, ok := fakeNodes.Load(work)
	if !ok {
		return fmt.Errorf("no fake node; use 'fakenode start' first")
	}
	n := v.(*fakenode.Node)
	switch verb {
	case "mine":
		c, err := oneIntArg(args, "mine N")
		n.Mine(c)
		return err
	case "fund":
		return fakeFund(n, args)
	case "behind":
		h, err := oneIntArg(args, "behind HEIGHT")
		n.SetBehind(int32(h))
		return err
	case "payee":
		if len(args) != 1 {
			return fmt.Errorf("usage: fakenode payee VAR")
		}
		a, err := address.NewAddressWitnessPubKeyHash(make([]byte, 20), regtest.Params)
		if err == nil {
			ts.Setenv(args[0], a.EncodeAddress())
		}
		return err
	case "caughtup":
		n.SetBehind(-1)
		return nil
	case "reset":
		n.Reset()
		return nil
	}
	return fmt.Errorf("unknown verb %q", verb)
}

func fakeFund(n *fakenode.Node, args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: fakenode fund ADDRESS AMOUNT")
	}
	amt, err := app.ParseAmount(args[1])
	if err != nil {
		return err
	}
	a, err := address.DecodeAddress(args[0], regtest.Params)
	if err != nil {
		return err
	}
	s, err := txscript.PayToAddrScript(a)
	if err != nil {
		return err
	}
	n.Pay(wire.NewTxOut(int64(amt), s))
	return nil
}
