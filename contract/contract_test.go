package contract_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/archbench/archbench/contract"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/variants"
	"github.com/archbench/archbench/variants/monolith/monolithtest"
)

// mutantEnv names, in the child process, the mutant the suite runs against.
const mutantEnv = "ARCHBENCH_CONTRACT_MUTANT"

// mutants are shops that break one documented behaviour each: the
// monolith's handler with its answers rewritten.
var mutants = map[string]func(http.Handler) http.Handler{
	"none": func(h http.Handler) http.Handler { return h },
	"405 without Allow": func(h http.Handler) http.Handler {
		return rewrite(h, func(r *http.Request, rec *httptest.ResponseRecorder) {
			rec.Header().Del("Allow")
		})
	},
	"empty cart checkout answered 409": func(h http.Handler) http.Handler {
		return swapAnswer(h, http.StatusUnprocessableEntity, api.CodeEmptyCart,
			http.StatusConflict, `{"error":{"code":"conflict","message":"nope"}}`)
	},
	"51st cart line accepted": func(h http.Handler) http.Handler {
		return swapAnswer(h, http.StatusUnprocessableEntity, "already holds",
			http.StatusOK, `{"id":"c_x","items":[],"total_cents":0}`)
	},
	"declined retry answered 503": func(h http.Handler) http.Handler {
		var mu sync.Mutex
		declined := map[string]bool{}
		return rewrite(h, func(r *http.Request, rec *httptest.ResponseRecorder) {
			key := r.Header.Get(api.IdempotencyKeyHeader)
			if key == "" || rec.Code != http.StatusPaymentRequired {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if declined[key] {
				rec.Code = http.StatusServiceUnavailable
				rec.Body = bytes.NewBufferString(`{"error":{"code":"payment_unavailable","message":"nope"}}`)
			}
			declined[key] = true
		})
	},
	"cart emptied by a declined checkout": func(h http.Handler) http.Handler {
		return rewrite(h, func(r *http.Request, rec *httptest.ResponseRecorder) {
			if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/checkout") || rec.Code != http.StatusPaymentRequired {
				return
			}
			cartPath := strings.TrimSuffix(r.URL.Path, "/checkout")
			got := httptest.NewRecorder()
			h.ServeHTTP(got, httptest.NewRequest(http.MethodGet, cartPath, nil))
			var cart shop.Cart
			if err := json.Unmarshal(got.Body.Bytes(), &cart); err != nil {
				return
			}
			for _, it := range cart.Items {
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodDelete, fmt.Sprintf("%s/items/%d", cartPath, it.ProductID), nil))
			}
		})
	},
	"failed order without failure_reason": func(h http.Handler) http.Handler {
		return rewrite(h, func(r *http.Request, rec *httptest.ResponseRecorder) {
			if strings.HasPrefix(r.URL.Path, "/orders/") {
				rec.Body = bytes.NewBufferString(strings.ReplaceAll(rec.Body.String(), `"failure_reason":"payment_declined"`, `"failure_reason":""`))
			}
		})
	},
	"out of stock answered 503": func(h http.Handler) http.Handler {
		return swapAnswer(h, http.StatusConflict, api.CodeOutOfStock,
			http.StatusServiceUnavailable, `{"error":{"code":"payment_unavailable","message":"nope"}}`)
	},
	"payment outage answered 502": func(h http.Handler) http.Handler {
		return swapAnswer(h, http.StatusServiceUnavailable, api.CodePaymentUnavailable,
			http.StatusBadGateway, `{"error":{"code":"unavailable","message":"nope"}}`)
	},
	"stock leaked by a payment outage": func(h http.Handler) http.Handler {
		// Once a checkout answers payment_unavailable, each product of its
		// order reads one short.
		var mu sync.Mutex
		short := map[string]bool{}
		return rewrite(h, func(r *http.Request, rec *httptest.ResponseRecorder) {
			mu.Lock()
			defer mu.Unlock()
			var eb api.ErrorBody
			if rec.Code == http.StatusServiceUnavailable && json.Unmarshal(rec.Body.Bytes(), &eb) == nil && eb.Error.Code == api.CodePaymentUnavailable {
				get := httptest.NewRecorder()
				h.ServeHTTP(get, httptest.NewRequest("GET", "/orders/"+eb.Error.OrderID, nil))
				var o shop.Order
				_ = json.Unmarshal(get.Body.Bytes(), &o)
				for _, it := range o.Items {
					short[fmt.Sprintf("/products/%d", it.ProductID)] = true
				}
			}
			var p shop.Product
			if r.Method == "GET" && short[r.URL.Path] && rec.Code == http.StatusOK && json.Unmarshal(rec.Body.Bytes(), &p) == nil {
				p.Stock--
				b, _ := json.Marshal(p)
				rec.Body = bytes.NewBuffer(b)
			}
		})
	},
	"over-long idempotency key accepted": func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if k := r.Header.Get(api.IdempotencyKeyHeader); len(k) > 128 {
				r.Header.Set(api.IdempotencyKeyHeader, k[:128])
			}
			h.ServeHTTP(w, r)
		})
	},
}

// rewrite serves h, lets edit change its recorded answer, then sends it.
func rewrite(h http.Handler, edit func(*http.Request, *httptest.ResponseRecorder)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		edit(r, rec)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
}

// swapAnswer has h answer status and body instead of an answer with status
// was whose body contains marker: a shop that breaks one rule.
func swapAnswer(h http.Handler, was int, marker string, status int, body string) http.Handler {
	return rewrite(h, func(r *http.Request, rec *httptest.ResponseRecorder) {
		if rec.Code == was && strings.Contains(rec.Body.String(), marker) {
			rec.Code = status
			rec.Body = bytes.NewBufferString(body)
		}
	})
}

// TestContractHelperProcess is the child of TestRunCatchesBrokenShops: it
// runs the suite against the mutant named in the environment, seeded with
// the small stock that lets every case run, and is skipped otherwise.
func TestContractHelperProcess(t *testing.T) {
	name := os.Getenv(mutantEnv)
	if name == "" {
		t.Skip("runs only as TestRunCatchesBrokenShops's child")
	}
	mutate, ok := mutants[name]
	if !ok {
		t.Fatalf("no mutant %q", name)
	}
	served := monolithtest.Serve(t, monolithtest.WithWrap(mutate), monolithtest.WithCatalog(contract.Catalog()))
	contract.Run(t, served.URL, contract.WithPaymentProvider(served, variants.PSPName))
}

// TestRunCatchesBrokenShops runs the suite, in a child process (a failing
// suite fails the test that runs it), against shops that each break one
// behaviour docs/API.md documents. The suite must pass the unbroken shop and
// fail each broken one in the subtest that covers the behaviour, as an
// ordinary test failure: never a panic, nor a failure that skips the cases
// after it. No case may skip: the shop has the stock to sell out.
func TestRunCatchesBrokenShops(t *testing.T) {
	if os.Getenv(mutantEnv) != "" {
		t.Skip("the child runs TestContractHelperProcess only")
	}
	tests := []struct {
		mutant string
		fails  string // the subtest that must fail; "" for none
	}{
		{"none", ""},
		{"405 without Allow", "bad_input/wrong_method"},
		{"empty cart checkout answered 409", "checkout/empty_cart"},
		{"51st cart line accepted", "cart"},
		{"declined retry answered 503", "checkout/declined"},
		{"failed order without failure_reason", "checkout/declined"},
		{"cart emptied by a declined checkout", "checkout/declined"},
		{"over-long idempotency key accepted", "checkout/over-long_idempotency_key"},
		{"out of stock answered 503", "checkout/out_of_stock"},
		{"payment outage answered 502", "checkout/payment_provider_down"},
		{"stock leaked by a payment outage", "checkout/payment_provider_down"},
	}
	for _, tt := range tests {
		t.Run(tt.mutant, func(t *testing.T) {
			// A child spends most of its time waiting for its shop (to
			// settle a checkout the payment provider did not answer), so
			// the children run side by side.
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestContractHelperProcess$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), mutantEnv+"="+tt.mutant)
			out, err := cmd.CombinedOutput()
			switch {
			case strings.Contains(string(out), "panic:") || strings.Contains(string(out), "FailNow on a parent test"):
				t.Fatalf("the suite broke off instead of failing a test:\n%s", out)
			case !strings.Contains(string(out), "TestContractHelperProcess/checkout/unknown "):
				t.Fatalf("a failure skipped the rest of the checkout cases:\n%s", out)
			case strings.Contains(string(out), "--- SKIP: TestContractHelperProcess/"):
				t.Fatalf("a case skipped against a shop seeded with contract.Catalog():\n%s", out)
			case tt.fails == "" && err != nil:
				t.Fatalf("the suite failed an unbroken shop: %v\n%s", err, out)
			case tt.fails == "":
				return
			case err == nil:
				t.Fatalf("the suite passed a shop with %s", tt.mutant)
			case !strings.Contains(string(out), "--- FAIL: TestContractHelperProcess/"+tt.fails+" "):
				t.Fatalf("the suite did not fail subtest %s:\n%s", tt.fails, out)
			}
		})
	}
}
