package monolith_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/archbench/archbench/audit"
	"github.com/archbench/archbench/contract"
	"github.com/archbench/archbench/payment"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/sqlstore"
	"github.com/archbench/archbench/variants"
	"github.com/archbench/archbench/variants/monolith"
	"github.com/archbench/archbench/variants/monolith/monolithtest"
	"github.com/archbench/archbench/variants/varianttest"
)

// TestContractInProcess holds the monolith's handler, served in this test
// process over real loopback sockets, to the shared contract (with the
// small stock that lets it sell a product out), then audits its data and
// samples its database's writer.
func TestContractInProcess(t *testing.T) {
	shop := monolithtest.Serve(t, monolithtest.WithCatalog(contract.Catalog()))
	shopURL, pspURL := shop.URL, shop.PaymentURL
	contract.Run(t, shopURL, contract.WithPaymentProvider(shop, variants.PSPName))

	// Confirmations are delivered after the checkout answers.
	facts, err := audit.FetchSettled(context.Background(), http.DefaultClient, 10*time.Second, shopURL)
	if err != nil {
		t.Fatal(err)
	}
	charges, err := payment.NewClient(pspURL).Charges(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep := audit.Verify(facts, charges); !rep.Passed {
		t.Fatalf("audit after the contract suite failed: %+v", rep.Checks)
	}
	if len(facts.Orders) == 0 {
		t.Fatal("the audit saw no orders; the contract suite places some")
	}
	v, err := variants.Lookup(monolith.Name)
	if err != nil {
		t.Fatal(err)
	}
	varianttest.WritersWrote(t, inProcess{shop: shopURL, psp: pspURL}, v)
}

// inProcess is a monolith that monolithtest serves, as a deployment of the
// variant's plan, for the checks that take one.
type inProcess struct{ shop, psp string }

func (d inProcess) EntryURL() string { return d.shop }

func (d inProcess) URLs(component string) []string {
	switch component {
	case monolith.Name:
		return []string{d.shop}
	case variants.PSPName:
		return []string{d.psp}
	}
	return nil
}

func (inProcess) Stop(context.Context) error { return nil }

// TestConcurrentRetriesOneOrder sends the same checkout, with the same
// idempotency key, 16 times at once: exactly one order is placed and
// charged, and every answer is that order (201) or "still in progress,
// retry" (409) — never a 5xx, never a second order.
func TestConcurrentRetriesOneOrder(t *testing.T) {
	shop := monolithtest.Serve(t, monolithtest.WithProvider(payment.WithLatency(20*time.Millisecond, 40*time.Millisecond)))
	shopURL, provider := shop.URL, shop.Provider

	post := func(path, body string, header ...string) (int, []byte) {
		req, _ := http.NewRequest("POST", shopURL+path, strings.NewReader(body))
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return 0, nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	_, body := post("/carts", "")
	var cart struct{ ID string }
	if err := json.Unmarshal(body, &cart); err != nil {
		t.Fatal(err)
	}
	post("/carts/"+cart.ID+"/items", `{"product_id":3,"quantity":1}`)

	var wg sync.WaitGroup
	statuses := make([]int, 16)
	for i := range statuses {
		wg.Go(func() {
			statuses[i], _ = post("/carts/"+cart.ID+"/checkout", `{"card_token":"tok_ok"}`, "Idempotency-Key", "same-key")
		})
	}
	wg.Wait()
	for i, st := range statuses {
		if st != http.StatusCreated && st != http.StatusConflict {
			t.Errorf("request %d: status %d, want 201 or 409", i, st)
		}
	}
	facts, err := audit.Fetch(context.Background(), http.DefaultClient, shopURL)
	if err != nil {
		t.Fatal(err)
	}
	if len(facts.Orders) != 1 {
		t.Fatalf("%d orders from one checkout retried 16 times, want 1", len(facts.Orders))
	}
	stats := provider.Stats()
	if stats.Succeeded != 1 {
		t.Fatalf("%d charges succeeded, want 1", stats.Succeeded)
	}
}

// TestMalformedRequestsGetJSONErrors: the monolith answers what its mux
// would answer on its own (an unclean path it would redirect, a wrong
// method, an unknown route) with the contract's JSON error, as the hardened
// API of every other variant does: never a redirect, never HTML.
func TestMalformedRequestsGetJSONErrors(t *testing.T) {
	base := monolithtest.Serve(t).URL
	tests := []struct {
		name, method, path string
		status             int
		code               string
	}{
		{"empty segment", "GET", "/products//1", http.StatusNotFound, api.CodeNotFound},
		{"dot-dot segment", "GET", "/carts/../products", http.StatusNotFound, api.CodeNotFound},
		{"dot segment", "GET", "/products/./1", http.StatusNotFound, api.CodeNotFound},
		{"leading double slash", "GET", "//healthz", http.StatusNotFound, api.CodeNotFound},
		{"unclean audit path", "GET", "/internal//audit", http.StatusNotFound, api.CodeNotFound},
		{"unclean POST", "POST", "/carts//", http.StatusNotFound, api.CodeNotFound},
		{"unknown route", "GET", "/admin", http.StatusNotFound, api.CodeNotFound},
		{"wrong method on the API", "DELETE", "/products", http.StatusMethodNotAllowed, api.CodeMethodNotAllowed},
		{"wrong method on the audit facts", "POST", audit.FactsPath, http.StatusMethodNotAllowed, api.CodeMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			varianttest.JSONError(t, base, tt.method, tt.path, tt.status, tt.code)
		})
	}
}

// TestServesAPIAndAuditFacts: hardening keeps the monolith's parts, the
// API, the audit facts and the writer counts, reachable.
func TestServesAPIAndAuditFacts(t *testing.T) {
	base := monolithtest.Serve(t).URL
	for _, path := range []string{"/healthz", "/products/1", audit.FactsPath, sqlstore.WriterPath} {
		t.Run(path, func(t *testing.T) {
			resp, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				body, _ := io.ReadAll(resp.Body)
				t.Fatalf("GET %s: status %d (%s), want 200", path, resp.StatusCode, body)
			}
		})
	}
}
