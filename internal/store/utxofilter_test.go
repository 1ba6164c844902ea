package store

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
)

// TestUTXOFilterStates: the filters sync's mempool pass uses select
// exactly the outputs in each state: confirmed or not, unspent, spent by a
// pending transaction, spent in a block.
func TestUTXOFilterStates(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	op := func(n byte) wire.OutPoint { return wire.OutPoint{Hash: chainhash.Hash{n}, Index: uint32(n)} }
	// 1 confirmed unspent, 2 unconfirmed unspent, 3 confirmed spent by a
	// pending transaction, 4 unconfirmed spent by a pending one, 5
	// confirmed spent in a block.
	err := db.Update(ctx, func(tx app.Tx) error {
		v := &app.Vault{Name: "ops", Network: "regtest"}
		if err := tx.InsertVault(v); err != nil {
			return err
		}
		g := &app.Generation{VaultID: v.ID, Number: 0, State: app.Cold, Threshold: 1, Descriptor: "d0"}
		if err := tx.InsertGeneration(g); err != nil {
			return err
		}
		for n, height := range map[byte]int32{1: 10, 2: 0, 3: 11, 4: 0, 5: 12} {
			if err := tx.PutUTXO(&app.UTXO{OutPoint: op(n), Value: 1000, PkScript: []byte{0x51}, GenerationID: g.ID, Height: height, PrevTx: []byte{1}}); err != nil {
				return err
			}
		}
		for n, height := range map[byte]int32{3: 0, 4: 0, 5: 13} {
			if err := tx.SpendUTXO(op(n), chainhash.Hash{0xee, n}.String(), height); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		f    app.UTXOFilter
		want []byte
	}{
		{"all", app.UTXOFilter{}, []byte{1, 2, 3, 4, 5}},
		{"unspent", app.UTXOFilter{Unspent: true}, []byte{1, 2}},
		{"unconfirmed", app.UTXOFilter{Unconfirmed: true}, []byte{2, 4}},
		{"unspent unconfirmed", app.UTXOFilter{Unspent: true, Unconfirmed: true}, []byte{2}},
		{"spend pending", app.UTXOFilter{SpendPending: true}, []byte{3, 4}},
		{"live", app.UTXOFilter{Live: true}, []byte{1, 2, 3, 4}},
	} {
		var got []byte
		err := db.View(ctx, func(tx app.Tx) error {
			us, err := tx.UTXOs(c.f)
			for _, u := range us {
				got = append(got, u.OutPoint.Hash[0])
			}
			return err
		})
		slices.Sort(got)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, %v; want %v", c.name, got, err, c.want)
		}
	}
}

// TestPreparedStatementsPerTransaction: a statement compiled once in a
// transaction runs again with other arguments, a failing run does not
// spoil the next, and a text of several statements runs whole.
func TestPreparedStatementsPerTransaction(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	err := db.Update(ctx, func(atx app.Tx) error {
		tx := atx.(*Tx)
		for _, kv := range [][2]string{{"a", "1"}, {"b", "2"}, {"a", "3"}} {
			if err := tx.SetMeta(kv[0], kv[1]); err != nil {
				return err
			}
		}
		if len(tx.stmts) != 1 {
			t.Errorf("%d statements prepared for one text", len(tx.stmts))
		}
		if _, err := tx.exec(`INSERT INTO meta(key, value) VALUES(?, ?)`, "b", "dup"); !errors.Is(translate(err), app.ErrDuplicate) {
			t.Errorf("duplicate key: %v", err)
		}
		if _, err := tx.exec(`INSERT INTO meta(key, value) VALUES(?, ?)`, "c", "4"); err != nil {
			t.Errorf("the same statement after a failure: %v", err)
		}
		_, err := tx.exec(`INSERT INTO meta(key, value) VALUES('d', '5'); INSERT INTO meta(key, value) VALUES('e', '6')`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "3", "b": "2", "c": "4", "d": "5", "e": "6"}
	db.View(ctx, func(tx app.Tx) error {
		for k, v := range want {
			if got, err := tx.Meta(k); got != v {
				t.Errorf("meta %s = %q, %v; want %q", k, got, err, v)
			}
		}
		return nil
	})
}
