package rotate

import "errors"

// PlanSweeps plans a whole sweep of req.Source. A cold generation is spent
// by one transaction (what does not fit stays behind, to be swept once the
// generation is hot); a hot or retired one is swept in as many standard
// transactions as its outputs need, the largest outputs first, each a plan
// of its own. A last batch whose outputs cannot pay for their own
// transaction is left and reported as uneconomic in the first plan.
func PlanSweeps(req Request) ([]Plan, error) {
	first, err := PlanSweep(req)
	if err != nil || req.Source.State == Cold {
		return []Plan{first}, err
	}
	plans := []Plan{first}
	rest := first.Overflow
	plans[0].Overflow = nil
	for len(rest) > 0 {
		next := req
		next.Coins = rest
		p, err := PlanSweep(next)
		var nw *NotWorthError
		if errors.As(err, &nw) {
			plans[0].Uneconomic = append(plans[0].Uneconomic, rest...)
			break
		}
		if err != nil {
			return nil, err
		}
		rest, p.Overflow = p.Overflow, nil
		plans = append(plans, p)
	}
	return plans, nil
}
