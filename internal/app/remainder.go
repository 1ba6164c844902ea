package app

// internalIndex picks the index on chain of generation g for an internal
// output (a remainder or a float): the lowest index that a cancelled
// proposal reserved for such an output and that nothing has used since (no
// funds seen there, no other proposal holding it), so that cancelled
// proposals never push a vault's addresses past the gap other wallets
// (Caravan, Sparrow, Electrum: 20) scan; else the next fresh index, which
// the caller hands out. Indexes handed out as deposit addresses are never
// taken back.
func (a *App) internalIndex(tx Tx, g Generation, chain uint32) (idx uint32, fresh bool, err error) {
	scripts, err := tx.Scripts(g.ID)
	if err != nil {
		return 0, false, err
	}
	byScript := make(map[string]Script, len(scripts))
	for _, s := range scripts {
		byScript[string(s.PkScript)] = s
	}
	ps, err := tx.Proposals(g.VaultID)
	if err != nil {
		return 0, false, err
	}
	claimed, freed := map[uint32]bool{}, map[uint32]bool{}
	for _, p := range ps {
		for _, o := range p.Outputs {
			s, ok := a.outputScript(o, g, byScript)
			if !ok || s.Chain != chain {
				continue
			}
			switch {
			case p.State != Cancelled || s.Used:
				claimed[s.Index] = true
			case internalRole(p, o, chain):
				freed[s.Index] = true
			}
		}
	}
	best, found := uint32(0), false
	for i := range freed {
		if !claimed[i] && (!found || i < best) {
			best, found = i, true
		}
	}
	if found {
		return best, false, nil
	}
	if chain == 1 {
		return g.NextChange, true, nil
	}
	return g.NextReceive, true, nil
}

// outputScript finds the watched script of g that o pays, if any.
func (a *App) outputScript(o ProposalOutput, g Generation, byScript map[string]Script) (Script, bool) {
	if o.GenerationID != g.ID {
		return Script{}, false
	}
	pk, err := a.payScript(o.Address)
	if err != nil {
		return Script{}, false
	}
	s, ok := byScript[string(pk)]
	return s, ok
}

// internalRole reports whether o was a proposal's own internal output (the
// remainder to its target's receive chain, or the float or change to its
// source's change chain), not an --internal payment to an address someone
// was given.
func internalRole(p Proposal, o ProposalOutput, chain uint32) bool {
	return chain == 0 && o.GenerationID == p.TargetGenID || chain == 1 && o.GenerationID == p.GenerationID
}
