package gateway

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/httpapi"
)

// echo is what an echoing fake service answers: the request as it arrived.
type echo struct {
	Service        string `json:"service"`
	Method         string `json:"method"`
	Path           string `json:"path"`
	Query          string `json:"query"`
	Body           string `json:"body"`
	ContentType    string `json:"content_type"`
	Accept         string `json:"accept"`
	IdempotencyKey string `json:"idempotency_key"`
	Other          string `json:"other"` // X-Other, which the gateway should drop
}

// echoHandler is a fake service that answers every request with an echo,
// 201 to a POST and 200 otherwise.
func echoHandler(service string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		status := http.StatusOK
		if r.Method == http.MethodPost {
			status = http.StatusCreated
		}
		api.WriteJSON(w, status, echo{
			Service: service, Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Body: string(body),
			ContentType: r.Header.Get("Content-Type"), Accept: r.Header.Get("Accept"),
			IdempotencyKey: r.Header.Get(api.IdempotencyKeyHeader), Other: r.Header.Get("X-Other"),
		})
	}
}

// fixedHandler is a fake service that always gives the same answer.
func fixedHandler(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// backend is one replica of a fake service on loopback, counting its calls.
type backend struct {
	url  string
	hits atomic.Int64
}

func startBackend(t *testing.T, h http.Handler) *backend {
	t.Helper()
	b := &backend{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.hits.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	b.url = srv.URL
	return b
}

// brokenReplica returns the URL of a replica that accepts connections and
// closes them without an answer, as a crashing process does.
func brokenReplica(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return // closed by the cleanup
			}
			c.Close()
		}
	}()
	return "http://" + ln.Addr().String()
}

// startGateway serves a gateway on loopback and returns its URL. Services
// missing from peers get an echoing backend of their own.
func startGateway(t *testing.T, peers map[string][]string, opts ...Option) string {
	t.Helper()
	all := map[string][]string{}
	for _, name := range Services() {
		if urls, ok := peers[name]; ok {
			all[name] = urls
		} else {
			all[name] = []string{startBackend(t, echoHandler(name)).url}
		}
	}
	g, err := New(all, append([]Option{WithBackoff(0, time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return srv.URL
}

// answer is a response as the client saw it.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) error(t *testing.T) api.ErrorDetail {
	t.Helper()
	var eb api.ErrorBody
	if err := json.Unmarshal(a.body, &eb); err != nil || eb.Error.Code == "" {
		t.Fatalf("status %d: body %q is not a JSON error (%v)", a.status, a.body, err)
	}
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("error Content-Type %q, want application/json", ct)
	}
	return eb.Error
}

// send makes one request with a client of its own.
func send(t *testing.T, method, url string, body io.Reader, header map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, url, err)
	}
	return answer{resp.StatusCode, resp.Header, b}
}

func TestRoutesReachTheirService(t *testing.T) {
	base := startGateway(t, nil)
	jsonHeader := map[string]string{"Content-Type": "application/json", "Accept": "application/json", "X-Other": "secret"}
	tests := []struct {
		method, path, body string
		header             map[string]string
		service            string
		status             int
	}{
		{"GET", "/products?offset=20&limit=5", "", jsonHeader, Catalog, 200},
		{"GET", "/products/7", "", nil, Catalog, 200},
		{"POST", "/carts", "", nil, Cart, 201},
		{"GET", "/carts/c_1", "", nil, Cart, 200},
		{"POST", "/carts/c_1/items", `{"product_id":1,"quantity":2}`, jsonHeader, Cart, 201},
		{"DELETE", "/carts/c_1/items/3", "", nil, Cart, 200},
		{"POST", "/carts/c_1/checkout", `{"card_token":"tok_ok"}`,
			map[string]string{"Content-Type": "application/json", api.IdempotencyKeyHeader: "k-1"}, Orders, 201},
		{"GET", "/orders/o_1", "", nil, Orders, 200},
		{"GET", "/notifications?order_id=o_1", "", nil, Notifications, 200},
		{"GET", "/products/a%2Fb", "", nil, Catalog, 200},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			a := send(t, tt.method, base+tt.path, strings.NewReader(tt.body), tt.header)
			if a.status != tt.status {
				t.Fatalf("status %d (%s), want %d", a.status, a.body, tt.status)
			}
			if ct := a.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want the service's application/json", ct)
			}
			var got echo
			if err := json.Unmarshal(a.body, &got); err != nil {
				t.Fatalf("body %q: %v", a.body, err)
			}
			path, query, _ := strings.Cut(tt.path, "?")
			want := echo{Service: tt.service, Method: tt.method, Path: path, Query: query, Body: tt.body,
				ContentType: tt.header["Content-Type"], Accept: tt.header["Accept"], IdempotencyKey: tt.header[api.IdempotencyKeyHeader]}
			if got != want {
				t.Errorf("the service got\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

func TestHealthzIsAnsweredByTheGateway(t *testing.T) {
	dead := []string{brokenReplica(t)}
	base := startGateway(t, map[string][]string{Catalog: dead, Cart: dead, Orders: dead, Notifications: dead})
	a := send(t, "GET", base+"/healthz", nil, nil)
	var st api.Status
	if err := json.Unmarshal(a.body, &st); a.status != http.StatusOK || err != nil || st.Status != "ok" {
		t.Fatalf("GET /healthz: %d %s, want 200 {\"status\":\"ok\"}", a.status, a.body)
	}
}

func TestInternalRoutesAreNotReachable(t *testing.T) {
	hits := map[string]*backend{}
	peers := map[string][]string{}
	for _, name := range Services() {
		hits[name] = startBackend(t, echoHandler(name))
		peers[name] = []string{hits[name].url}
	}
	base := startGateway(t, peers)
	tests := []struct {
		method, path string
		status       int
	}{
		{"GET", "/internal/audit", 404},
		{"GET", "/internal/prices/1", 404},
		{"GET", "/internal/payments", 404},
		{"GET", "/stock?ids=1,2", 404},
		{"POST", "/reservations", 404},
		{"DELETE", "/reservations/o_1", 404},
		{"POST", "/charges", 404},
		{"POST", "/charges/o_1/void", 404},
		{"GET", "/products/1/extra", 404},
		// The path is public (POST), so the contract asks for 405.
		{"DELETE", "/carts/c_1/items", 405},
		{"PUT", "/products/1", 405},
		{"DELETE", "/orders/o_1", 405},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			a := send(t, tt.method, base+tt.path, nil, nil)
			if a.status != tt.status {
				t.Fatalf("status %d (%s), want %d", a.status, a.body, tt.status)
			}
			a.error(t)
		})
	}
	for name, b := range hits {
		if n := b.hits.Load(); n != 0 {
			t.Errorf("%s was called %d times, want 0", name, n)
		}
	}
}

// TestOddPathsNever5xx sends raw request lines, as a hostile client may.
func TestOddPathsNever5xx(t *testing.T) {
	base := startGateway(t, nil)
	addr := strings.TrimPrefix(base, "http://")
	paths := []string{
		"/", "//", "//products", "/products/", "/products//1", "/products/../internal/audit",
		"/products/%2e%2e/internal/audit", "/products/%2F", "/products/%00", "/carts/%ZZ", "/carts/c_1/items/%",
		"/products?%zz=1&limit=-1", "/carts/" + strings.Repeat("x", 4000), "/notifications?order_id=%00",
		"/products/1;x", "/./products", "/products/1#frag", "*", "http://other.example/products",
		"/%E2%82%AC", "/products/" + strings.Repeat("%41", 300),
	}
	for _, method := range []string{"GET", "POST", "DELETE", "OPTIONS", "PATCH", "HEAD"} {
		for _, p := range paths {
			t.Run(method+" "+p[:min(len(p), 40)], func(t *testing.T) {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { c.Close() })
				if _, err := fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", method, p, addr); err != nil {
					t.Fatal(err)
				}
				resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
				if err != nil {
					t.Fatalf("no answer: %v", err)
				}
				resp.Body.Close()
				if resp.StatusCode >= 500 {
					t.Fatalf("%s %s: status %d, want below 500", method, p, resp.StatusCode)
				}
			})
		}
	}
}

func TestRoundRobinOverReplicas(t *testing.T) {
	a, b := startBackend(t, echoHandler(Catalog)), startBackend(t, echoHandler(Catalog))
	base := startGateway(t, map[string][]string{Catalog: {a.url, b.url}})
	for i := range 6 {
		if got := send(t, "GET", fmt.Sprintf("%s/products/%d", base, i+1), nil, nil); got.status != http.StatusOK {
			t.Fatalf("GET %d: %d %s", i, got.status, got.body)
		}
	}
	if a.hits.Load() != 3 || b.hits.Load() != 3 {
		t.Fatalf("replicas got %d and %d calls, want 3 and 3", a.hits.Load(), b.hits.Load())
	}
}

func TestRetries(t *testing.T) {
	const unavailable = `{"error":{"code":"unavailable","message":"busy"}}`
	failing := func(status int) http.Handler { return fixedHandler(status, "application/json", unavailable) }
	// dead answers as a proxy in front of a dead service does.
	dead := func(status int) http.Handler {
		return fixedHandler(status, "text/html", "<h1>Service Unavailable</h1>")
	}
	noBreaker := WithBreakerSettings(BreakerSettings{ConsecutiveFailures: 1000, MinRequests: 1000, FailureRatio: 1,
		Window: time.Minute, OpenFor: time.Minute, Probes: 1})
	tests := []struct {
		name     string
		method   string
		path     string
		key      string
		service  string         // the service that owns path; "" for Cart
		replicas []http.Handler // nil: a replica that drops connections
		opts     []Option
		requests int
		status   int
		hits     int64 // calls answered by the working replicas, all requests together
	}{
		{name: "GET retried on the other replica", method: "GET", path: "/carts/c_1",
			replicas: []http.Handler{nil, echoHandler(Cart)}, requests: 4, status: 200, hits: 4},
		{name: "GET retried after 503, at most twice", method: "GET", path: "/carts/c_1",
			replicas: []http.Handler{failing(503), failing(503)}, requests: 1, status: 503, hits: 3},
		{name: "GET retried after 502 and 504", method: "GET", path: "/carts/c_1",
			replicas: []http.Handler{failing(502), failing(504), echoHandler(Cart)}, opts: []Option{noBreaker},
			requests: 1, status: 200, hits: 3},
		{name: "GET not retried after 500", method: "GET", path: "/carts/c_1",
			replicas: []http.Handler{failing(500), failing(500)}, requests: 1, status: 500, hits: 1},
		{name: "GET not retried after 404", method: "GET", path: "/carts/c_1",
			replicas: []http.Handler{failing(404), failing(404)}, requests: 1, status: 404, hits: 1},
		{name: "POST without Idempotency-Key not retried", method: "POST", path: "/carts",
			replicas: []http.Handler{failing(503), failing(503)}, requests: 1, status: 503, hits: 1},
		{name: "POST without Idempotency-Key not retried on a dropped connection", method: "POST", path: "/carts/c_1/items",
			replicas: []http.Handler{nil, echoHandler(Cart)}, requests: 2, status: -1, hits: 1},
		{name: "checkout with Idempotency-Key retried", method: "POST", path: "/carts/c_1/checkout", key: "k-1", service: Orders,
			replicas: []http.Handler{failing(503), failing(503)}, requests: 1, status: 503, hits: 3},
		{name: "checkout's own 503 payment_unavailable not retried: it is the checkout's outcome", method: "POST", path: "/carts/c_1/checkout", key: "k-1", service: Orders,
			replicas: []http.Handler{fixedHandler(503, "application/json", `{"error":{"code":"payment_unavailable","message":"order o_1: the payment provider is unavailable"}}`), echoHandler(Orders)},
			requests: 1, status: 503, hits: 1},
		{name: "GET's own 503 of a specific code not retried", method: "GET", path: "/carts/c_1",
			replicas: []http.Handler{fixedHandler(503, "application/json", `{"error":{"code":"payment_unavailable","message":"no"}}`), echoHandler(Cart)},
			requests: 1, status: 503, hits: 1},
		{name: "checkout with Idempotency-Key retried on the other replica", method: "POST", path: "/carts/c_1/checkout", key: "k-1", service: Orders,
			replicas: []http.Handler{nil, echoHandler(Orders)}, requests: 4, status: 201, hits: 4},
		{name: "add item with Idempotency-Key not retried: cart does not deduplicate by it", method: "POST", path: "/carts/c_1/items", key: "k-1",
			replicas: []http.Handler{failing(503), failing(503)}, requests: 1, status: 503, hits: 1},
		{name: "add item with Idempotency-Key not retried on a dropped connection", method: "POST", path: "/carts/c_1/items", key: "k-1",
			replicas: []http.Handler{nil, echoHandler(Cart)}, requests: 2, status: -1, hits: 1},
		{name: "no retry once the circuit is open", method: "GET", path: "/carts/c_1",
			replicas: []http.Handler{dead(503), dead(503)}, requests: 1, status: 502, hits: 1,
			opts: []Option{WithBreakerSettings(BreakerSettings{ConsecutiveFailures: 1, MinRequests: 10, FailureRatio: 1,
				Window: time.Minute, OpenFor: time.Minute, Probes: 1})}},
		{name: "retries disabled", method: "GET", path: "/carts/c_1",
			replicas: []http.Handler{failing(503), failing(503)}, opts: []Option{WithRetries(0)}, requests: 1, status: 503, hits: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var urls []string
			var working []*backend
			for _, h := range tt.replicas {
				if h == nil {
					urls = append(urls, brokenReplica(t))
					continue
				}
				b := startBackend(t, h)
				working = append(working, b)
				urls = append(urls, b.url)
			}
			base := startGateway(t, map[string][]string{cmp.Or(tt.service, Cart): urls}, tt.opts...)
			var header map[string]string
			if tt.key != "" {
				header = map[string]string{api.IdempotencyKeyHeader: tt.key}
			}
			statuses := map[int]int{}
			for range tt.requests {
				a := send(t, tt.method, base+tt.path, strings.NewReader(""), header)
				statuses[a.status]++
				if tt.status > 0 && a.status != tt.status {
					t.Errorf("status %d (%s), want %d", a.status, a.body, tt.status)
				}
				if a.status >= 500 {
					a.error(t)
				}
			}
			if tt.status < 0 && (statuses[http.StatusBadGateway] == 0 || statuses[http.StatusCreated] == 0) {
				t.Errorf("statuses %v, want some 502 (not retried) and some 201", statuses)
			}
			var hits int64
			for _, b := range working {
				hits += b.hits.Load()
			}
			if hits != tt.hits {
				t.Errorf("the working replicas got %d calls, want %d", hits, tt.hits)
			}
		})
	}
}

func TestRetryBudget(t *testing.T) {
	noBreaker := WithBreakerSettings(BreakerSettings{ConsecutiveFailures: 1000, MinRequests: 1000, FailureRatio: 1,
		Window: time.Minute, OpenFor: time.Minute, Probes: 1})
	tests := []struct {
		name         string
		ratio, burst float64
		hits         []int64 // calls made by each request in turn
	}{
		{"empty budget: no retries", 0, 0, []int64{1, 1, 1}},
		{"two tokens, no deposits", 0, 2, []int64{3, 1, 1, 1}},
		{"deposits refill the budget", 0.5, 1, []int64{2, 1, 2, 1, 2}},
		{"default budget", DefaultRetryRatio, DefaultRetryBurst, []int64{3, 3, 3, 3, 3, 1, 1, 1, 1, 1, 2, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := startBackend(t, fixedHandler(http.StatusServiceUnavailable, "application/json", `{"error":{"code":"unavailable","message":"x"}}`))
			base := startGateway(t, map[string][]string{Catalog: {b.url}}, WithRetryBudget(tt.ratio, tt.burst), noBreaker)
			for i, want := range tt.hits {
				before := b.hits.Load()
				if a := send(t, "GET", base+"/products/1", nil, nil); a.status != http.StatusServiceUnavailable {
					t.Fatalf("request %d: status %d, want the service's 503", i, a.status)
				}
				if got := b.hits.Load() - before; got != want {
					t.Fatalf("request %d made %d calls, want %d", i, got, want)
				}
			}
		})
	}
}

func TestCircuitOpensPerService(t *testing.T) {
	tests := []struct {
		name     string
		handler  http.Handler
		requests int
		hits     int64
		open     bool
	}{
		{"non-JSON 5xx failures open it", fixedHandler(500, "text/plain", "boom"), 8, 5, true},
		{"empty 502s open it", fixedHandler(502, "", ""), 8, 5, true},
		{"HTML 504s open it", fixedHandler(504, "text/html", "<h1>Gateway Timeout</h1>"), 8, 5, true},
		{"JSON without the error envelope opens it", fixedHandler(500, "application/json", `{"status":"down"}`), 8, 5, true},
		{"the service's own JSON 5xx errors keep it closed", fixedHandler(500, "application/json", `{"error":{"code":"internal","message":"boom"}}`), 12, 12, false},
		{"4xx answers keep it closed", fixedHandler(404, "application/json", `{"error":{"code":"not_found","message":"x"}}`), 12, 12, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cart := startBackend(t, tt.handler)
			base := startGateway(t, map[string][]string{Cart: {cart.url}})
			var last answer
			for range tt.requests {
				last = send(t, "GET", base+"/carts/c_1", nil, nil)
			}
			if got := cart.hits.Load(); got != tt.hits {
				t.Errorf("the service got %d calls, want %d", got, tt.hits)
			}
			msg := last.error(t).Message
			if open := last.status == http.StatusServiceUnavailable && strings.Contains(msg, "circuit open"); open != tt.open {
				t.Errorf("last answer %d %q: circuit open %v, want %v", last.status, msg, open, tt.open)
			}
			if tt.open && !strings.Contains(msg, Cart) {
				t.Errorf("message %q does not name the service", msg)
			}
			if a := send(t, "GET", base+"/products/1", nil, nil); a.status != http.StatusOK {
				t.Errorf("catalog: status %d, want 200: the cart's circuit must not stop it", a.status)
			}
		})
	}
}

// fakeService answers calls in memory with its current status, for tests
// under synctest's fake clock: a cart below 400, and the service's own JSON
// error from 400 on.
type fakeService struct {
	status atomic.Int64
	calls  atomic.Int64
	// dead makes a 5xx a proxy's HTML page, as in front of a dead service.
	dead bool
}

func (f *fakeService) RoundTrip(r *http.Request) (*http.Response, error) {
	f.calls.Add(1)
	st := f.status.Load()
	ct, body := "application/json", `{"id":"c_1","items":[],"total_cents":0}`
	switch {
	case st >= 500 && f.dead:
		ct, body = "text/html", "<h1>Bad Gateway</h1>"
	case st == http.StatusServiceUnavailable:
		// As api.Classify answers a service that cannot serve now.
		body = `{"error":{"code":"unavailable","message":"x"}}`
	case st >= 400:
		body = `{"error":{"code":"internal","message":"x"}}`
	}
	return &http.Response{StatusCode: int(st), Header: http.Header{"Content-Type": {ct}},
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
}

func TestCircuitLifecycle(t *testing.T) {
	type step struct {
		wait    time.Duration // before the request
		service int           // the status the service answers with
		status  int           // the status the client gets
		called  bool          // whether the service was called
	}
	fail, ok := step{service: 500, status: 502, called: true}, step{service: 200, status: 200, called: true}
	open := step{service: 200, status: 503}
	settings := BreakerSettings{ConsecutiveFailures: 5, MinRequests: 20, FailureRatio: 0.5, Window: 10 * time.Second,
		OpenFor: 2 * time.Second, Probes: 2}
	later := func(s step) step { s.wait = settings.OpenFor + time.Millisecond; return s }
	tests := []struct {
		name  string
		steps []step
	}{
		{"opens after consecutive failures", append(repeatSteps(5, fail), open, open)},
		{"stays closed below the threshold", append(repeatSteps(4, fail), ok, fail, fail, fail, fail, ok)},
		{"closes after successful probes", append(repeatSteps(5, fail), open, later(ok), ok, ok, ok)},
		{"a failed probe opens it again", append(repeatSteps(5, fail), open, later(fail), open)},
		{"opens on the failure ratio", append(repeatSteps(10, ok, fail), open)},
		{"the failure ratio needs enough calls", append(repeatSteps(9, ok, fail), ok)},
		{"the window forgets old failures", append(append(repeatSteps(4, fail), step{wait: 11 * time.Second, service: 500, status: 502, called: true}), ok)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				svc := &fakeService{dead: true}
				peers := map[string][]string{}
				for _, name := range Services() {
					peers[name] = []string{"http://" + name + ".test"}
				}
				g, err := New(peers, WithTransport(svc), WithBreakerSettings(settings))
				if err != nil {
					t.Fatal(err)
				}
				for i, s := range tt.steps {
					time.Sleep(s.wait)
					svc.status.Store(int64(s.service))
					before := svc.calls.Load()
					rec := httptest.NewRecorder()
					g.ServeHTTP(rec, httptest.NewRequest("GET", "/carts/c_1", nil))
					if rec.Code != s.status {
						t.Fatalf("step %d: status %d (%s), want %d", i, rec.Code, rec.Body, s.status)
					}
					if called := svc.calls.Load() > before; called != s.called {
						t.Fatalf("step %d: service called %v, want %v", i, called, s.called)
					}
					if !s.called && !strings.Contains(rec.Body.String(), "cart unavailable (circuit open)") {
						t.Fatalf("step %d: body %s, want it to say the circuit is open", i, rec.Body)
					}
				}
			})
		})
	}
}

// repeatSteps is s, n times over.
func repeatSteps[T any](n int, s ...T) []T {
	var out []T
	for range n {
		out = append(out, s...)
	}
	return out
}

func TestTimeout(t *testing.T) {
	tests := []struct {
		name, method, path, service string
		opt                         Option
		key                         string
		want                        string
	}{
		{"default timeout", "GET", "/carts/c_1", Cart, WithDefaultTimeout(50 * time.Millisecond), "", "cart did not answer within 50ms"},
		{"route timeout", "POST", "/carts/c_1/checkout", Orders, WithTimeout(httpapi.RouteCheckout, 80*time.Millisecond), "k", "orders did not answer within 80ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			slow := startBackend(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-release:
				}
			}))
			t.Cleanup(func() { close(release) }) // runs before the backend closes
			base := startGateway(t, map[string][]string{tt.service: {slow.url}}, tt.opt)
			var header map[string]string
			if tt.key != "" {
				header = map[string]string{api.IdempotencyKeyHeader: tt.key}
			}
			a := send(t, tt.method, base+tt.path, strings.NewReader(`{}`), header)
			if a.status != http.StatusGatewayTimeout {
				t.Fatalf("status %d (%s), want 504", a.status, a.body)
			}
			if e := a.error(t); e.Code != api.CodeUnavailable || e.Message != tt.want {
				t.Errorf("error %+v, want code %q, message %q", e, api.CodeUnavailable, tt.want)
			}
			if n := slow.hits.Load(); n != 1 {
				t.Errorf("the service got %d calls, want 1: a timeout is not retried", n)
			}
		})
	}
}

// hideLength hides a reader's length, so that the client sends it chunked.
type hideLength struct{ io.Reader }

func TestBodyLimit(t *testing.T) {
	tests := []struct {
		name   string
		body   io.Reader
		status int
		hits   int64
	}{
		{"too large", bytes.NewReader(make([]byte, api.MaxBodyBytes+1)), http.StatusRequestEntityTooLarge, 0},
		{"too large, chunked", hideLength{bytes.NewReader(make([]byte, api.MaxBodyBytes+1))}, http.StatusRequestEntityTooLarge, 0},
		{"at the limit", bytes.NewReader(make([]byte, api.MaxBodyBytes)), http.StatusCreated, 1},
		{"at the limit, chunked", hideLength{bytes.NewReader(make([]byte, api.MaxBodyBytes))}, http.StatusCreated, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cart := startBackend(t, echoHandler(Cart))
			base := startGateway(t, map[string][]string{Cart: {cart.url}})
			a := send(t, "POST", base+"/carts/c_1/items", tt.body, map[string]string{"Content-Type": "application/json"})
			if a.status != tt.status {
				t.Fatalf("status %d, want %d", a.status, tt.status)
			}
			if tt.status == http.StatusRequestEntityTooLarge {
				if e := a.error(t); e.Code != api.CodeBodyTooLarge {
					t.Errorf("code %q, want %q", e.Code, api.CodeBodyTooLarge)
				}
			}
			if n := cart.hits.Load(); n != tt.hits {
				t.Errorf("the service got %d calls, want %d", n, tt.hits)
			}
		})
	}
}

func TestServiceErrors(t *testing.T) {
	const paymentUnavailable = `{"error":{"code":"payment_unavailable","message":"order o_1: payment provider did not answer","order_id":"o_1"}}` + "\n"
	tests := []struct {
		name        string
		handler     http.Handler
		status      int
		passThrough bool
		code        string
	}{
		{"a JSON 503 is passed on byte for byte", fixedHandler(503, "application/json", paymentUnavailable), 503, true, ""},
		{"a JSON 500 is passed on", fixedHandler(500, "application/json; charset=utf-8", `{"error":{"code":"internal","message":"internal error"}}`), 500, true, ""},
		{"a plain 500 becomes 502 unavailable", fixedHandler(500, "text/plain", "panic"), 502, false, api.CodeUnavailable},
		{"invalid JSON becomes 502 unavailable", fixedHandler(503, "application/json", `{"error":`), 502, false, api.CodeUnavailable},
		{"a 4xx is passed on", fixedHandler(402, "application/json", `{"error":{"code":"payment_declined","message":"no","order_id":"o_2"}}`), 402, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orders := startBackend(t, tt.handler)
			base := startGateway(t, map[string][]string{Orders: {orders.url}})
			a := send(t, "POST", base+"/carts/c_1/checkout", strings.NewReader(`{"card_token":"tok_ok"}`), nil)
			if a.status != tt.status {
				t.Fatalf("status %d (%s), want %d", a.status, a.body, tt.status)
			}
			if n := orders.hits.Load(); n != 1 {
				t.Errorf("the service got %d calls, want 1", n)
			}
			rec := httptest.NewRecorder()
			tt.handler.ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
			if tt.passThrough {
				if !bytes.Equal(a.body, rec.Body.Bytes()) || a.header.Get("Content-Type") != rec.Header().Get("Content-Type") {
					t.Errorf("got %q (%s), want the service's %q (%s)", a.body, a.header.Get("Content-Type"), rec.Body, rec.Header().Get("Content-Type"))
				}
				return
			}
			if e := a.error(t); e.Code != tt.code || !strings.Contains(e.Message, Orders) {
				t.Errorf("error %+v, want code %q naming %s", e, tt.code, Orders)
			}
		})
	}
}

// refusedReplica returns the URL of a replica that refuses connections, as
// a host without the process does.
func refusedReplica(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr
}

// TestCircuitCountsOnlyADeadService: checkouts the orders service answers
// with an error of its own, such as 503 payment_unavailable while the
// payment provider is down, leave its circuit closed, so GET /orders/{id},
// which needs no payment, still reaches it. A service that gives no answer,
// or 5xx answers without its JSON error, opens the circuit.
func TestCircuitCountsOnlyADeadService(t *testing.T) {
	const paymentUnavailable = `{"error":{"code":"payment_unavailable","message":"order o_1: payment provider did not answer","order_id":"o_1"}}` + "\n"
	checkouts := int(DefaultBreakerSettings().ConsecutiveFailures) + 3
	tests := []struct {
		name     string
		checkout http.Handler            // the orders service's answer to a checkout
		replica  func(*testing.T) string // instead of a service answering checkout
		status   int                     // the client's answer to the first checkout
		open     bool
	}{
		{name: "503 payment_unavailable keeps it closed", checkout: fixedHandler(503, "application/json", paymentUnavailable), status: 503},
		{name: "a JSON 500 of the service's keeps it closed", checkout: fixedHandler(500, "application/json; charset=utf-8", `{"error":{"code":"internal","message":"x"}}`), status: 500},
		{name: "non-JSON 500s open it", checkout: fixedHandler(500, "text/plain", "panic: boom"), status: 502, open: true},
		{name: "empty 502s open it", checkout: fixedHandler(502, "", ""), status: 502, open: true},
		{name: "HTML 503s open it", checkout: fixedHandler(503, "text/html", "<h1>Service Unavailable</h1>"), status: 502, open: true},
		{name: "refused connections open it", replica: refusedReplica, status: 502, open: true},
		{name: "dropped connections open it", replica: brokenReplica, status: 502, open: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var orderReads atomic.Int64
			var replica string
			if tt.replica != nil {
				replica = tt.replica(t)
			} else {
				mux := http.NewServeMux()
				mux.Handle(httpapi.RouteCheckout, tt.checkout)
				mux.HandleFunc(httpapi.RouteGetOrder, func(w http.ResponseWriter, r *http.Request) {
					orderReads.Add(1)
					api.WriteJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id"), "status": "failed"})
				})
				replica = startBackend(t, mux).url
			}
			base := startGateway(t, map[string][]string{Orders: {replica}})
			for i := range checkouts {
				a := send(t, "POST", base+"/carts/c_1/checkout", strings.NewReader(`{"card_token":"tok_ok"}`), nil)
				if i == 0 && a.status != tt.status {
					t.Fatalf("checkout: status %d (%s), want %d", a.status, a.body, tt.status)
				}
				if !tt.open && !bytes.Equal(a.body, []byte(recorded(tt.checkout))) {
					t.Errorf("checkout %d: %d %s, want the service's own error passed on", i+1, a.status, a.body)
					break
				}
			}
			a := send(t, "GET", base+"/orders/o_1", nil, nil)
			if tt.open {
				if e := a.error(t); a.status != http.StatusServiceUnavailable || !strings.Contains(e.Message, "orders unavailable (circuit open)") {
					t.Fatalf("GET /orders/o_1 after %d failed checkouts: %d %s, want 503 circuit open", checkouts, a.status, a.body)
				}
				return
			}
			if a.status != http.StatusOK || orderReads.Load() != 1 {
				t.Fatalf("GET /orders/o_1 after %d checkouts answered %d by the service: %d %s, %d reads, want 200 from the service",
					checkouts, tt.status, a.status, a.body, orderReads.Load())
			}
		})
	}
}

// recorded is h's answer body to a request.
func recorded(h http.Handler) string {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
	return rec.Body.String()
}

func TestDownServiceIsUnavailable(t *testing.T) {
	base := startGateway(t, map[string][]string{Notifications: {brokenReplica(t)}})
	a := send(t, "GET", base+"/notifications?order_id=o_1", nil, nil)
	if a.status != http.StatusBadGateway {
		t.Fatalf("status %d (%s), want 502", a.status, a.body)
	}
	if e := a.error(t); e.Code != api.CodeUnavailable || !strings.Contains(e.Message, Notifications) {
		t.Errorf("error %+v, want code %q naming %s", e, api.CodeUnavailable, Notifications)
	}
}

func TestNewValidates(t *testing.T) {
	good := func() map[string][]string {
		return map[string][]string{Catalog: {"http://127.0.0.1:1"}, Cart: {"http://127.0.0.1:2/", " http://127.0.0.1:3"},
			Orders: {"https://orders.internal"}, Notifications: {"http://127.0.0.1:4"}}
	}
	tests := []struct {
		name  string
		edit  func(map[string][]string)
		opts  []Option
		wants []string // substrings of the error; none: no error
	}{
		{name: "valid"},
		{name: "missing peer", edit: func(p map[string][]string) { delete(p, Cart) }, wants: []string{"peer cart", "no URL"}},
		{name: "empty URLs", edit: func(p map[string][]string) { p[Orders] = []string{"", " "} }, wants: []string{"peer orders"}},
		{name: "two missing", edit: func(p map[string][]string) { delete(p, Cart); delete(p, Catalog) }, wants: []string{"peer cart", "peer catalog"}},
		{name: "not a base URL", edit: func(p map[string][]string) { p[Catalog] = []string{"127.0.0.1:8080"} }, wants: []string{"peer catalog", "base URL"}},
		{name: "bad scheme", edit: func(p map[string][]string) { p[Catalog] = []string{"ftp://x"} }, wants: []string{"peer catalog"}},
		{name: "unparsable", edit: func(p map[string][]string) { p[Catalog] = []string{"http://[::1"} }, wants: []string{"peer catalog"}},
		{name: "unknown peer", edit: func(p map[string][]string) { p["payments"] = []string{"http://x"} }, wants: []string{`"payments"`}},
		{name: "unknown route", opts: []Option{WithTimeout("GET /internal/audit", time.Second)}, wants: []string{"GET /internal/audit"}},
		{name: "bad timeouts", opts: []Option{WithDefaultTimeout(0), WithTimeout(httpapi.RouteGetCart, -1)}, wants: []string{"default timeout", httpapi.RouteGetCart}},
		{name: "bad retries", opts: []Option{WithRetries(-1), WithRetryBudget(2, -1), WithBackoff(time.Second, time.Millisecond)},
			wants: []string{"retry count", "retry ratio", "retry burst", "backoff"}},
		{name: "bad breaker", opts: []Option{WithBreakerSettings(BreakerSettings{})}, wants: []string{"ConsecutiveFailures", "FailureRatio", "Window", "OpenFor", "Probes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			peers := good()
			if tt.edit != nil {
				tt.edit(peers)
			}
			g, err := New(peers, tt.opts...)
			if len(tt.wants) == 0 {
				if err != nil || g == nil {
					t.Fatalf("New: %v, want a gateway", err)
				}
				t.Cleanup(g.Close)
				return
			}
			if err == nil {
				t.Fatal("New succeeded, want an error")
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// fakePeers names every service at an address no test dials: the fake
// transports answer in memory.
func fakePeers() map[string][]string {
	peers := map[string][]string{}
	for _, name := range Services() {
		peers[name] = []string{"http://" + name + ".test"}
	}
	return peers
}

// roundTripFunc is a transport written as a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestUnansweredCalls(t *testing.T) {
	tests := []struct {
		name        string
		abandon     bool // the client gives up before the deadline
		calls       int64
		circuitOpen bool
	}{
		{"timeouts open the circuit", false, 5, true},
		{"calls the client abandoned count neither way", true, 8, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var calls atomic.Int64
				hang := roundTripFunc(func(r *http.Request) (*http.Response, error) {
					calls.Add(1)
					<-r.Context().Done()
					return nil, r.Context().Err()
				})
				g, err := New(fakePeers(), WithTransport(hang), WithDefaultTimeout(time.Second))
				if err != nil {
					t.Fatal(err)
				}
				var last *httptest.ResponseRecorder
				for range 8 {
					ctx, cancel := context.WithCancel(t.Context())
					last = httptest.NewRecorder()
					done := make(chan struct{})
					go func() {
						defer close(done)
						g.ServeHTTP(last, httptest.NewRequestWithContext(ctx, "GET", "/carts/c_1", nil))
					}()
					if tt.abandon {
						synctest.Wait() // the call is under way
						cancel()
					}
					<-done
					cancel()
				}
				if got := calls.Load(); got != tt.calls {
					t.Errorf("the service got %d calls, want %d", got, tt.calls)
				}
				if open := strings.Contains(last.Body.String(), "circuit open"); open != tt.circuitOpen {
					t.Errorf("last answer %d %s: circuit open %v, want %v", last.Code, last.Body, open, tt.circuitOpen)
				}
			})
		})
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		name       string
		lo, hi     time.Duration
		timeout    time.Duration
		calls      int64
		minElapsed time.Duration
		maxElapsed time.Duration
	}{
		{"a jittered pause before each retry", 10 * time.Millisecond, 30 * time.Millisecond, 2 * time.Second, 3, 20 * time.Millisecond, 60 * time.Millisecond},
		{"no pause", 0, 0, 2 * time.Second, 3, 0, 0},
		{"the deadline cuts a pause short", time.Second, time.Second, 1500 * time.Millisecond, 2, 1500 * time.Millisecond, 1500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				svc := &fakeService{}
				svc.status.Store(http.StatusServiceUnavailable)
				g, err := New(fakePeers(), WithTransport(svc), WithBackoff(tt.lo, tt.hi), WithDefaultTimeout(tt.timeout))
				if err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				rec := httptest.NewRecorder()
				g.ServeHTTP(rec, httptest.NewRequest("GET", "/carts/c_1", nil))
				elapsed := time.Since(start)
				if rec.Code != http.StatusServiceUnavailable || strings.Contains(rec.Body.String(), "circuit open") {
					t.Errorf("answer %d %s, want the service's last 503", rec.Code, rec.Body)
				}
				if got := svc.calls.Load(); got != tt.calls {
					t.Errorf("the service got %d calls, want %d", got, tt.calls)
				}
				if elapsed < tt.minElapsed || elapsed > tt.maxElapsed {
					t.Errorf("the call took %s on the fake clock, want %s..%s", elapsed, tt.minElapsed, tt.maxElapsed)
				}
			})
		})
	}
}
