package chain

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/psbt"
)

// AppChain fits a Client to app.Chain: it translates this package's
// sentinels into app's where the use cases branch on them.
type AppChain struct{ *Client }

var _ app.Chain = AppChain{}

// Blocks implements app.Chain.
func (a AppChain) Blocks(ctx context.Context, from, to int32) ([]app.Block, error) {
	bs, err := a.Client.Blocks(ctx, from, to)
	if errors.Is(err, ErrReorg) {
		return nil, fmt.Errorf("%w: %v", app.ErrReorg, err)
	}
	if err != nil {
		return nil, err
	}
	out := make([]app.Block, len(bs))
	for i, b := range bs {
		out[i] = app.Block{Height: b.Height, Hash: b.Hash, Msg: b.Msg}
	}
	return out, nil
}

var _ app.FilterChain = AppChain{}

// BlockFilters implements app.FilterChain.
func (a AppChain) BlockFilters(ctx context.Context, from, to int32) ([]app.FilteredBlock, error) {
	fs, err := a.Client.BlockFilters(ctx, from, to)
	switch {
	case errors.Is(err, ErrNoFilters):
		return nil, fmt.Errorf("%w: %v", app.ErrNoFilters, err)
	case errors.Is(err, ErrReorg):
		return nil, fmt.Errorf("%w: %v", app.ErrReorg, err)
	case err != nil:
		return nil, err
	}
	out := make([]app.FilteredBlock, len(fs))
	for i, f := range fs {
		out[i] = app.FilteredBlock{Height: f.Height, Hash: f.Hash, Header: f.Header, Filter: f.Filter}
	}
	return out, nil
}

// TxConfirmations implements app.Chain; an unknown transaction is
// app.ErrNotFound.
func (a AppChain) TxConfirmations(ctx context.Context, txid chainhash.Hash) (int64, bool, error) {
	confs, pool, err := a.Client.TxConfirmations(ctx, txid)
	if errors.Is(err, ErrNotFound) {
		return 0, false, fmt.Errorf("%w: %v", app.ErrNotFound, err)
	}
	return confs, pool, err
}

// TestAccept implements app.Chain with the node's default fee ceiling;
// treasury's own fee guards ran when the proposal was made.
func (a AppChain) TestAccept(ctx context.Context, tx *wire.MsgTx) error {
	err := a.Client.TestAccept(ctx, tx, 0)
	if errors.Is(err, ErrAlreadyKnown) {
		return nil
	}
	return err
}

// Broadcast implements app.Chain: a transaction the node already has was
// sent.
func (a AppChain) Broadcast(ctx context.Context, tx *wire.MsgTx) (chainhash.Hash, error) {
	h, err := a.Client.Broadcast(ctx, tx)
	if errors.Is(err, ErrAlreadyKnown) {
		return tx.TxHash(), nil
	}
	return h, err
}

// EstimateFee implements app.Chain.
func (a AppChain) EstimateFee(ctx context.Context, target int) (btcutil.Amount, error) {
	rate, _, err := a.Client.EstimateFee(ctx, target)
	return rate, err
}

// Mempool implements app.Chain.
func (a AppChain) Mempool(ctx context.Context, limit int) ([]*wire.MsgTx, int, bool, error) {
	return a.Client.Mempool(ctx, limit)
}

// RelayFees implements app.Chain.
func (a AppChain) RelayFees(ctx context.Context) (app.RelayFees, error) {
	r, err := a.Client.RelayFees(ctx)
	if err != nil {
		return app.RelayFees{}, err
	}
	return app.RelayFees{MinRelay: psbt.FeeRate(r.MinRelay), MempoolMin: psbt.FeeRate(r.MempoolMin),
		Incremental: psbt.FeeRate(r.Incremental), Source: r.Source}, nil
}

// Family implements app.Chain.
func (a AppChain) Family(ctx context.Context, txid chainhash.Hash) (app.MempoolFamily, bool, error) {
	f, ok, err := a.Client.Family(ctx, txid)
	fam := app.MempoolFamily{Count: f.Count, Fees: f.Fees, VSize: f.VSize, MaxDescendantRate: psbt.FeeRate(f.MaxDescendantRate), Replaceable: f.Replaceable}
	if f.TxVSize > 0 {
		fam.Rate = psbt.FeeRate(int64(f.Fee) * 1000 / f.TxVSize)
	}
	return fam, ok, err
}

// Dialer returns a lazy, once-per-App connection for app.App.Chain. The
// returned function is safe for concurrent use (the TUI's commands and its
// background sync call it at once): the first successful dial is shared, and
// a failed one is retried by the next caller rather than remembered.
func Dialer(cfg Config, net *chaincfg.Params) func(context.Context) (app.Chain, error) {
	var (
		mu sync.Mutex
		c  *AppChain
	)
	return func(ctx context.Context) (app.Chain, error) {
		mu.Lock()
		defer mu.Unlock()
		if c != nil {
			return *c, nil
		}
		cl, err := Dial(ctx, cfg, net)
		if err != nil {
			return nil, err
		}
		c = &AppChain{cl}
		return *c, nil
	}
}

// InMempool implements app.Chain.
func (a AppChain) InMempool(ctx context.Context, txid chainhash.Hash) (bool, error) {
	return a.Client.InMempool(ctx, txid)
}

// Output implements app.Chain.
func (a AppChain) Output(ctx context.Context, op wire.OutPoint) (app.OutputInfo, error) {
	st, err := a.Client.Output(ctx, op)
	return app.OutputInfo(st), err
}
