package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/treasury-dev/treasury/internal/keys"
	"github.com/treasury-dev/treasury/vault"
)

// registrationJSON is one registered descriptor in key register's and key
// show's --json output. Vault is "" and generation -1 when unknown.
type registrationJSON struct {
	Role         string   `json:"role"`
	Vault        string   `json:"vault"`
	Generation   int      `json:"generation"`
	Threshold    int      `json:"threshold"`
	Keys         int      `json:"keys"`
	Fingerprints []string `json:"fingerprints"`
	Descriptor   string   `json:"descriptor"`
}

func toRegistrationsJSON(regs []keys.Registration) []registrationJSON {
	out := make([]registrationJSON, len(regs))
	for i, r := range regs {
		fps := make([]string, len(r.Fingerprints))
		for j, fp := range r.Fingerprints {
			fps[j] = fp.String()
		}
		out[i] = registrationJSON{string(r.Role), r.Vault, r.Generation, r.Threshold, r.N, fps, r.Descriptor}
	}
	return out
}

// printRegistrations lists every registered descriptor: role, vault,
// generation, threshold and fingerprints, then the descriptor itself.
func printRegistrations(w io.Writer, regs []keys.Registration) {
	fmt.Fprintf(w, "registered:   %d descriptor(s)\n", len(regs))
	for _, r := range regs {
		role := "signing wallet"
		if r.Role == keys.RoleDestination {
			role = "DESTINATION ONLY"
		}
		fmt.Fprintf(w, "  %-16s  %s  %d-of-%d  keys %s\n    %s\n", role, regLabel(r.Vault, r.Generation), r.Threshold, r.N, fingerprintList(r.Fingerprints), r.Descriptor)
	}
}

func fingerprintList(fps []vault.Fingerprint) string {
	s := make([]string, len(fps))
	for i, fp := range fps {
		s[i] = fp.String()
	}
	return strings.Join(s, " ")
}
