package hybrid_test

import (
	"encoding/json"
	"net/http"
	"os"
	"testing"

	"github.com/archbench/archbench/contract"
	"github.com/archbench/archbench/faas"
	"github.com/archbench/archbench/runtime/process"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/variants"
	"github.com/archbench/archbench/variants/hybrid"
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

// TestContract holds the hybrid to the same contract and audit as every
// variant (deployed with the contract's small-stock catalog, so that every
// case runs), and checks its composition at work: the catalog runs as
// replicas of its own, confirmations went through the event-triggered
// function, and the core and every catalog replica serve their database
// writers' counts.
func TestContract(t *testing.T) {
	dep, v := varianttest.Deploy(t, rt, hybrid.Name, variants.Env{Catalog: contract.Catalog()})
	if n := len(dep.URLs(hybrid.Catalog)); n != hybrid.CatalogReplicas {
		t.Errorf("%d catalog replicas, want %d", n, hybrid.CatalogReplicas)
	}
	contract.Run(t, dep.EntryURL(), contract.WithPaymentProvider(dep.(contract.Crasher), variants.PSPName))
	varianttest.AuditPasses(t, dep, v)
	varianttest.WritersWrote(t, dep, v)
	t.Run("core answers malformed requests with JSON errors", func(t *testing.T) {
		coreAnswersJSONErrors(t, dep.URLs(hybrid.Core)[0])
	})

	resp, err := http.Get(dep.URLs(hybrid.Notifications)[0] + faas.StatsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st faas.Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	if len(st.Functions) != 1 || st.Functions[0].Invocations < 1 || st.Functions[0].Errors != 0 {
		t.Fatalf("notification function: %+v, want invocations from order.placed and no error", st.Functions)
	}
}

// coreAnswersJSONErrors checks that the core, called directly as the
// gateway and the function do, answers what its mux would redirect or
// refuse on its own (an unclean path, a wrong method) with the contract's
// JSON error, on the monolith's routes and on the core's own alike.
func coreAnswersJSONErrors(t *testing.T, core string) {
	tests := []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/products//1", http.StatusNotFound, api.CodeNotFound},
		{"GET", "//healthz", http.StatusNotFound, api.CodeNotFound},
		{"GET", "/internal//audit", http.StatusNotFound, api.CodeNotFound},
		{"GET", "/stock/../products", http.StatusNotFound, api.CodeNotFound},
		{"POST", "/internal/confirmations//o_1", http.StatusNotFound, api.CodeNotFound},
		{"DELETE", "/stock", http.StatusMethodNotAllowed, api.CodeMethodNotAllowed},
		{"GET", "/internal/confirmations/o_1", http.StatusMethodNotAllowed, api.CodeMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			varianttest.JSONError(t, core, tt.method, tt.path, tt.status, tt.code)
		})
	}
}

// TestScaling: -replicas scales the catalog and pre-warms the function,
// and refuses anything else.
func TestScaling(t *testing.T) {
	v, err := variants.Lookup(hybrid.Name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Plan(variants.Env{Replicas: map[string]int{hybrid.Catalog: 3, hybrid.FnSendConfirmation: 1}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Components {
		if c.Name == hybrid.Catalog && c.Replicas != 3 {
			t.Errorf("catalog replicas %d, want 3", c.Replicas)
		}
	}
	if _, err := v.Plan(variants.Env{Replicas: map[string]int{hybrid.Core: 2}}); err == nil {
		t.Error("scaling the core: no error, want one (it is the monolith)")
	}
}
