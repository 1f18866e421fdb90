package serverless_test

import (
	"encoding/json"
	"net/http"
	"os"
	"testing"

	"github.com/archbench/archbench/contract"
	"github.com/archbench/archbench/faas"
	"github.com/archbench/archbench/runtime/process"
	"github.com/archbench/archbench/variants"
	"github.com/archbench/archbench/variants/serverless"
	"github.com/archbench/archbench/variants/varianttest"
)

// rt is shared by the tests so that the programs are built once.
var rt *process.Runtime

func TestMain(m *testing.M) {
	rt = process.New()
	code := m.Run()
	rt.Close()
	os.Exit(code)
}

func platformStats(t *testing.T, base string) map[string]faas.FunctionStats {
	t.Helper()
	resp, err := http.Get(base + faas.StatsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s faas.Stats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	out := map[string]faas.FunctionStats{}
	for _, f := range s.Functions {
		out[f.Name] = f
	}
	return out
}

// TestContract holds the serverless variant to the same contract as the
// others (deployed with the contract's small-stock catalog, so that every
// case runs), through the platform's front door, with every function on real
// instance processes; then audits its data, checks that the platform sums
// its instances' writes, and checks the platform's account: the first
// request of a function was a cold start, and the confirmations went
// through the event-triggered function.
func TestContract(t *testing.T) {
	dep, v := varianttest.Deploy(t, rt, serverless.Name, variants.Env{Catalog: contract.Catalog()})

	resp, err := http.Get(dep.EntryURL() + "/products/1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get(faas.ColdStartHeader) != "true" || resp.Header.Get(faas.InitDurationHeader) == "" {
		t.Fatalf("first product read: %d, cold %q, init %q; want 200 on a cold start with its init duration",
			resp.StatusCode, resp.Header.Get(faas.ColdStartHeader), resp.Header.Get(faas.InitDurationHeader))
	}

	contract.Run(t, dep.EntryURL(), contract.WithPaymentProvider(dep.(contract.Crasher), variants.PSPName))

	varianttest.AuditPasses(t, dep, v)
	varianttest.WritersWrote(t, dep, v)
	stats := platformStats(t, dep.EntryURL())
	if s := stats[serverless.FnGetProduct]; s.ColdStarts < 1 || s.Invocations < 2 || s.GBSeconds <= 0 {
		t.Errorf("%s: %+v, want a cold start, several invocations and billed GB-s", serverless.FnGetProduct, s)
	}
	if s := stats[serverless.FnCheckout]; s.Invocations < 1 {
		t.Errorf("%s never invoked: %+v", serverless.FnCheckout, s)
	}
	if s := stats[serverless.FnSendConfirmation]; s.Invocations < 1 || s.DeadLetters != 0 {
		t.Errorf("%s: %+v, want invocations from order.placed and no dead letter", serverless.FnSendConfirmation, s)
	}
}
