package microservices_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/archbench/archbench/contract"
	"github.com/archbench/archbench/runtime/process"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/variants"
	"github.com/archbench/archbench/variants/microservices"
	"github.com/archbench/archbench/variants/varianttest"
)

// rt is shared by the tests so that the services are built once.
var rt *process.Runtime

func TestMain(m *testing.M) {
	rt = process.New()
	code := m.Run()
	rt.Close()
	os.Exit(code)
}

func deploy(t *testing.T, env variants.Env) (*process.Deployment, variants.Variant) {
	t.Helper()
	dep, v := varianttest.Deploy(t, rt, microservices.Name, env)
	return dep.(*process.Deployment), v
}

// TestContract holds the microservices variant to the same contract as the
// monolith, through its gateway, on real processes (deployed with the
// contract's small-stock catalog, so that every case runs); then audits its
// data and samples its services' database writers.
func TestContract(t *testing.T) {
	dep, v := deploy(t, variants.Env{Catalog: contract.Catalog()})
	contract.Run(t, dep.EntryURL(), contract.WithPaymentProvider(dep, variants.PSPName))
	varianttest.AuditPasses(t, dep, v)
	varianttest.WritersWrote(t, dep, v)
}

type shopClient struct {
	t    *testing.T
	base string
}

func (c shopClient) do(method, path string, in, out any, header ...string) int {
	c.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: decode %q: %v", method, path, data, err)
		}
	}
	return resp.StatusCode
}

// TestSagaPaymentTimeout makes every charge outlast the payments service's
// timeout: the saga voids the charge and releases the stock, the order ends
// payment_failed, and a retry with the same idempotency key neither
// reserves nor charges again.
func TestSagaPaymentTimeout(t *testing.T) {
	dep, v := deploy(t, variants.Env{PSPLatencyMedian: 3 * time.Second, PSPLatencyP99: 3 * time.Second})
	c := shopClient{t: t, base: dep.EntryURL()}
	const pid = 7
	var before shop.Product
	c.do("GET", fmt.Sprintf("/products/%d", pid), nil, &before)
	var cart shop.Cart
	if st := c.do("POST", "/carts", nil, &cart); st != http.StatusCreated {
		t.Fatalf("create cart: %d", st)
	}
	c.do("POST", "/carts/"+cart.ID+"/items", api.AddItemRequest{ProductID: pid, Quantity: 2}, nil)

	for attempt := 1; attempt <= 2; attempt++ {
		var eb api.ErrorBody
		st := c.do("POST", "/carts/"+cart.ID+"/checkout", api.CheckoutRequest{CardToken: "tok_ok"}, &eb, api.IdempotencyKeyHeader, "timeout-test")
		if st != http.StatusServiceUnavailable || eb.Error.Code != api.CodePaymentUnavailable || eb.Error.OrderID == "" {
			t.Fatalf("attempt %d: status %d %+v, want 503 payment_unavailable naming the order", attempt, st, eb)
		}
		var o shop.Order
		c.do("GET", "/orders/"+eb.Error.OrderID, nil, &o)
		if o.Status != shop.OrderPaymentFailed || o.FailureReason != api.CodePaymentUnavailable {
			t.Fatalf("attempt %d: order %+v, want payment_failed (payment_unavailable)", attempt, o)
		}
	}
	var after shop.Product
	c.do("GET", fmt.Sprintf("/products/%d", pid), nil, &after)
	if after.Stock != before.Stock {
		t.Fatalf("stock %d after a timed-out payment, want %d released", after.Stock, before.Stock)
	}
	varianttest.AuditPasses(t, dep, v)
}

// TestSagaPaymentDeclined: a declined charge fails the order and releases
// its stock; the audit finds exactly one order and no charge.
func TestSagaPaymentDeclined(t *testing.T) {
	dep, v := deploy(t, variants.Env{PSPDeclineRate: 1})
	c := shopClient{t: t, base: dep.EntryURL()}
	var before, after shop.Product
	c.do("GET", "/products/9", nil, &before)
	var cart shop.Cart
	c.do("POST", "/carts", nil, &cart)
	c.do("POST", "/carts/"+cart.ID+"/items", api.AddItemRequest{ProductID: 9, Quantity: 3}, nil)
	var eb api.ErrorBody
	if st := c.do("POST", "/carts/"+cart.ID+"/checkout", api.CheckoutRequest{CardToken: "tok_ok"}, &eb); st != http.StatusPaymentRequired {
		t.Fatalf("checkout: %d %+v, want 402", st, eb)
	}
	c.do("GET", "/products/9", nil, &after)
	if after.Stock != before.Stock {
		t.Fatalf("stock %d after a declined payment, want %d", after.Stock, before.Stock)
	}
	varianttest.AuditPasses(t, dep, v)
}

// TestCartCrashIsolated kills the cart service under traffic: browsing the
// catalog keeps working, and cart requests fail fast through the gateway's
// circuit breaker instead of timing out one by one.
func TestCartCrashIsolated(t *testing.T) {
	dep, _ := deploy(t, variants.Env{})
	c := shopClient{t: t, base: dep.EntryURL()}
	var cart shop.Cart
	if st := c.do("POST", "/carts", nil, &cart); st != http.StatusCreated {
		t.Fatalf("create cart before the crash: %d", st)
	}
	if err := dep.Kill(microservices.Cart, 0); err != nil {
		t.Fatal(err)
	}
	var open bool
	for i := range 40 {
		var p shop.Product
		if st := c.do("GET", fmt.Sprintf("/products/%d", 1+i%50), nil, &p); st != http.StatusOK {
			t.Fatalf("catalog read %d after the cart crash: status %d", i, st)
		}
		var eb api.ErrorBody
		st := c.do("GET", "/carts/"+cart.ID, nil, &eb)
		if st < 500 {
			t.Fatalf("cart read after the crash: status %d, want 5xx", st)
		}
		if strings.Contains(eb.Error.Message, "circuit open") {
			open = true
		}
	}
	if !open {
		t.Fatal("the gateway never opened the cart circuit: cart requests were still attempted one by one")
	}
}
