package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/treasury-dev/treasury/internal/keys"
	"github.com/treasury-dev/treasury/vault"
)

// TestRegisterDestinationOnTerminal runs the built binary on a real
// terminal (util-linux script gives it a pty): a vault export with a
// generation holding none of the holder's keys is registered only after a
// question that lists it with its fingerprints is answered yes; no leaves
// the key file unchanged.
func TestRegisterDestinationOnTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	scriptBin, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script (util-linux) is not installed")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "treasury")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	defer func(w int) { keys.ScryptWorkFactor = w }(keys.ScryptWorkFactor)
	keys.ScryptWorkFactor = 10 // test-only: a fast key file; Load reads any factor up to its cap
	f, err := keys.FromMnemonic("alice", mustNet(t), "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about", "")
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(tmp, "alice.key")
	if err := f.SaveNew(keyPath, []byte("pw")); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(keyPath)
	export := filepath.Join(tmp, "poison.json")
	if err := os.WriteFile(export, []byte(poisonExport), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(answer string) string {
		cmd := exec.Command(scriptBin, "-qec", bin+" key register "+keyPath+" --vault-export "+export, "/dev/null")
		cmd.Env = append(os.Environ(), "TREASURY_PASSPHRASE=pw", "TREASURY_DATA_DIR="+filepath.Join(tmp, "data"))
		cmd.Stdin = strings.NewReader(answer + "\n")
		out, _ := cmd.CombinedOutput()
		return string(out)
	}
	out := run("n")
	for _, want := range []string{
		"1 descriptor(s) hold none of alice's keys (73c5da0a)",
		"  generation 1 of vault ops  2-of-3  keys 3f635a63 b8688df1 28645006",
		"Register them as destinations? [y/N]",
		"treasury: error: cancelled; nothing was changed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("answering no: output lacks %q:\n%s", want, out)
		}
	}
	if after, _ := os.ReadFile(keyPath); string(after) != string(before) {
		t.Error("answering no changed the key file")
	}
	out = run("y")
	if !strings.Contains(out, "  DESTINATION ONLY  generation 1 of vault ops  2-of-3  keys 3f635a63 b8688df1 28645006") {
		t.Errorf("answering yes:\n%s", out)
	}
}

func mustNet(t *testing.T) vault.Network {
	t.Helper()
	n, err := vault.ParseNetwork("regtest")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// poisonExport is a vault export whose generation 1 holds none of alice's
// keys (the same file as testdata/script/register.txtar's poison.json).
const poisonExport = `{"version":1,"vault":"ops","format":"descriptor","generations":[
{"generation":0,"state":"cold","descriptor":"wsh(sortedmulti(2,[73c5da0a/48'/1'/0'/2']tpubDFH9dgzveyD8zTbPUFuLrGmCydNvxehyNdUXKJAQN8x4aZ4j6UZqGfnqFrD4NqyaTVGKbvEW54tsvPTK2UoSbCC1PJY8iCNiwTL3RWZEheQ/<0;1>/*,[3f635a63/48'/1'/0'/2']tpubDFPtPArj4GzBEFHohegg1Xatrc1Fi9oSox5LzuSRX91miwQxuUrEpBxpvDRsmZYJKYFhgdK3UStsjC8JKXfUbMinjFqiEM4uNwzVaCaHpys/<0;1>/*,[b8688df1/48'/1'/0'/2']tpubDEfobrrtptRTbKf4gysDhoabneABDTAcdj3Vbn4XwPsLE2pmqpizSPRG6zHsbAMuiSgWmWPsYCLHTKTPpyrGJ5rAoTpKoQNZcxodiPf2tSJ/<0;1>/*))#w8fqkrg3"},
{"generation":1,"state":"standby","descriptor":"wsh(sortedmulti(2,[3f635a63/48'/1'/0'/2']tpubDFPtPArj4GzBEFHohegg1Xatrc1Fi9oSox5LzuSRX91miwQxuUrEpBxpvDRsmZYJKYFhgdK3UStsjC8JKXfUbMinjFqiEM4uNwzVaCaHpys/<0;1>/*,[b8688df1/48'/1'/0'/2']tpubDEfobrrtptRTbKf4gysDhoabneABDTAcdj3Vbn4XwPsLE2pmqpizSPRG6zHsbAMuiSgWmWPsYCLHTKTPpyrGJ5rAoTpKoQNZcxodiPf2tSJ/<0;1>/*,[28645006/48'/1'/0'/2']tpubDEwqCvJxKwKWX9xvRe48uofWJn1Y89Jn8UeH1Efrjb1UEVjUDy3URYTiqWaVCW7WdvHrL8XrSihHEhTwv5H3VDJoakjuCHiAnr6xcF2Xm4s/<0;1>/*))#l3pqv29q"}]}`
