package app

import (
	"context"

	"github.com/treasury-dev/treasury/psbt"
)

// RelayFees are a node's fee floors.
type RelayFees struct {
	MinRelay    psbt.FeeRate // minrelaytxfee: below it the node relays nothing
	MempoolMin  psbt.FeeRate // mempoolminfee: what its mempool demands now (0: not reported)
	Incremental psbt.FeeRate // a replacement adds at least this times its size (BIP-125 rule 4)
	Source      string       // the RPC the figures came from
}

// Floor is the lowest rate the node accepts now: the larger of its
// minimum relay fee and its mempool's current minimum.
func (r RelayFees) Floor() psbt.FeeRate { return max(r.MinRelay, r.MempoolMin) }

// DefaultRelayFees are assumed without a node: Bitcoin Core's long-standing
// defaults (1 sat/vB), so nothing proposed offline is below what most
// nodes relay.
var DefaultRelayFees = RelayFees{MinRelay: MinFeeRate, Incremental: MinFeeRate, Source: "default"}

// relayFees asks the node for its relay floor, or returns the defaults
// when no node is configured.
func (a *App) relayFees(ctx context.Context) (RelayFees, error) {
	if a.Chain == nil {
		return DefaultRelayFees, nil
	}
	c, err := a.chain(ctx)
	if err != nil {
		return RelayFees{}, err
	}
	r, err := c.RelayFees(ctx)
	if err != nil {
		return RelayFees{}, err
	}
	if r.Incremental <= 0 {
		r.Incremental = max(r.MinRelay, 1)
	}
	return r, nil
}

// checkRelayFloor refuses a rate the node would not relay, before anything
// is built, signed or stored.
func checkRelayFloor(rate psbt.FeeRate, r RelayFees) error {
	if floor := r.Floor(); rate < floor {
		return errorf(ErrRefused, "fee rate %s is below the node's relay floor of %s (%s); the transaction would never be relayed", rate, floor, floorSource(r))
	}
	return nil
}

func floorSource(r RelayFees) string {
	if r.MempoolMin > r.MinRelay {
		return "its mempool's current minimum, mempoolminfee"
	}
	if r.Source == "default" {
		return "no node configured; assuming the default minimum relay fee"
	}
	return "its minimum relay fee, minrelaytxfee"
}
