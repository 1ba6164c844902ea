package app

import (
	"context"

	"github.com/btcsuite/btcd/btcutil/v2"
)

// CoinbaseMaturity is how many confirmations a coinbase output needs
// before it can be spent.
const CoinbaseMaturity = 100

// GenBalance is the balance of one generation.
type GenBalance struct {
	Vault       string
	Generation  int
	State       GenState
	Confirmed   btcutil.Amount
	Unconfirmed btcutil.Amount
	Immature    btcutil.Amount
	Late        btcutil.Amount // deposits that arrived after the generation turned hot: sweep them
	UTXOs       int
}

// BalanceResult is every generation's balance as of the last synced block.
type BalanceResult struct {
	Height      int32
	Generations []GenBalance
}

// BalanceRequest selects a vault (all vaults when empty).
type BalanceRequest struct {
	Vault string
}

// Balance sums unspent outputs per generation as of the last sync; it needs
// no node.
func (a *App) Balance(ctx context.Context, req BalanceRequest) (*BalanceResult, error) {
	res := &BalanceResult{}
	err := a.Store.View(ctx, func(tx Tx) error {
		h, _, err := tx.Cursor()
		if err != nil {
			return err
		}
		res.Height = h
		ours, err := ourSources(tx)
		if err != nil {
			return err
		}
		return forEachGeneration(tx, req.Vault, true, func(v Vault, g Generation, utxos []UTXO) {
			res.Generations = append(res.Generations, genBalance(v, g, utxos, h, ours))
		})
	})
	return res, err
}

func genBalance(v Vault, g Generation, utxos []UTXO, tip int32, ours map[string]int64) GenBalance {
	b := GenBalance{Vault: v.Name, Generation: g.Number, State: g.State}
	for _, u := range utxos {
		b.UTXOs++
		switch {
		case u.Height == 0:
			b.Unconfirmed += u.Value
		case u.Coinbase && tip-u.Height+1 < CoinbaseMaturity:
			b.Immature += u.Value
		default:
			b.Confirmed += u.Value
		}
		if isLate(g, u, ours) {
			b.Late += u.Value
		}
	}
	return b
}

// isLate reports an output of a generation that has already signed which
// is not its float or change: a spend of the generation itself (ours maps
// the txid of each of our transactions to the generation it spent) is
// the only way the vault puts funds there. Everything else arrived after
// it signed, or was left by the cold spend as not yet spendable or not
// worth spending: it is to be swept into the cold generation.
func isLate(g Generation, u UTXO, ours map[string]int64) bool {
	if g.State != Hot && g.State != Retired {
		return false
	}
	src, ok := ours[u.OutPoint.Hash.String()]
	return !ok || src != g.ID
}

// forEachGeneration calls fn with every generation of the named vault (of
// every vault when name is empty) and its outputs (unspent only, or all).
func forEachGeneration(tx Tx, name string, unspent bool, fn func(Vault, Generation, []UTXO)) error {
	vs, err := selectVaults(tx, name)
	if err != nil {
		return err
	}
	for _, v := range vs {
		gens, err := tx.Generations(v.ID)
		if err != nil {
			return err
		}
		for _, g := range gens {
			us, err := tx.UTXOs(UTXOFilter{GenerationID: g.ID, Unspent: unspent})
			if err != nil {
				return err
			}
			fn(v, g, us)
		}
	}
	return nil
}

func selectVaults(tx Tx, name string) ([]Vault, error) {
	if name == "" {
		return tx.Vaults()
	}
	v, err := loadVault(tx, name)
	if err != nil {
		return nil, err
	}
	return []Vault{*v}, nil
}

// UTXOsRequest selects outputs to list.
type UTXOsRequest struct {
	Vault string
	All   bool // include spent outputs
}

// UTXORow is one output with the generation it belongs to.
type UTXORow struct {
	UTXO
	Vault      string
	Generation int
	State      GenState
	Immature   bool
	Late       bool   // in a generation that has signed, and not its float or change: sweep it
	Label      string // BIP-329 label of the output, else of its address ("" when none)
}

// ListUTXOs lists our outputs as of the last sync.
func (a *App) ListUTXOs(ctx context.Context, req UTXOsRequest) ([]UTXORow, error) {
	var out []UTXORow
	err := a.Store.View(ctx, func(tx Tx) error {
		tip, _, err := tx.Cursor()
		if err != nil {
			return err
		}
		ours, err := ourSources(tx)
		if err != nil {
			return err
		}
		labels, err := loadLabels(tx)
		if err != nil {
			return err
		}
		return forEachGeneration(tx, req.Vault, !req.All, func(v Vault, g Generation, us []UTXO) {
			for _, u := range us {
				imm := u.Coinbase && u.Height > 0 && tip-u.Height+1 < CoinbaseMaturity
				late := u.SpentBy == "" && isLate(g, u, ours)
				out = append(out, UTXORow{UTXO: u, Vault: v.Name, Generation: g.Number, State: g.State, Immature: imm, Late: late,
					Label: a.utxoLabel(labels, u)})
			}
		})
	})
	return out, err
}

// ourTxIDs is the set of final txids of our broadcast proposals.
func (a *App) ourTxIDs(tx Tx) (map[string]bool, error) {
	ps, err := tx.Proposals(0)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, p := range ps {
		if p.TxID != "" {
			out[p.TxID] = true
		}
	}
	return out, nil
}

// ourSources maps the final txid of each of our broadcast proposals to
// the generation it spent.
func ourSources(tx Tx) (map[string]int64, error) {
	ps, err := tx.Proposals(0)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, p := range ps {
		if p.TxID != "" {
			out[p.TxID] = p.GenerationID
		}
	}
	return out, nil
}

// utxoLabel is the output's label, else its address's.
func (a *App) utxoLabel(idx labelIndex, u UTXO) string {
	if len(idx) == 0 {
		return ""
	}
	if l := idx.text("output", u.OutPoint.String()); l != "" {
		return l
	}
	if addr, err := a.scriptAddr(u.PkScript); err == nil {
		return idx.text("addr", addr)
	}
	return ""
}
