package payment_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/archbench/archbench/payment"
	"github.com/archbench/archbench/shop"
)

// start serves a provider on loopback and returns it with a client of it.
func start(t *testing.T, popts []payment.ProviderOption, copts ...payment.ClientOption) (*payment.Provider, *httptest.Server, *payment.Client) {
	t.Helper()
	p, err := payment.NewProvider(popts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv, payment.NewClient(srv.URL, append([]payment.ClientOption{payment.WithHTTPClient(srv.Client())}, copts...)...)
}

func stats(t *testing.T, p *payment.Provider) payment.Stats {
	t.Helper()
	w := httptest.NewRecorder()
	p.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/stats", nil))
	var s payment.Stats
	if err := json.Unmarshal(w.Body.Bytes(), &s); err != nil {
		t.Fatalf("stats: %v: %s", err, w.Body)
	}
	return s
}

func getCharge(t *testing.T, p *payment.Provider, key string) (int, payment.Charge) {
	t.Helper()
	w := httptest.NewRecorder()
	p.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/charges/"+key, nil))
	var c payment.Charge
	_ = json.Unmarshal(w.Body.Bytes(), &c)
	return w.Code, c
}

// TestChargeHTTP proves the provider's answers to charge requests: 201 for
// a success, 402 for a declined token, 400 for a malformed request.
func TestChargeHTTP(t *testing.T) {
	tests := []struct {
		name, body string
		status     int
		chStatus   string
	}{
		{"approved", `{"amount_cents":500,"card_token":"tok_visa","idempotency_key":"k1"}`, 201, payment.StatusSucceeded},
		{"declined", `{"amount_cents":500,"card_token":"tok_decline","idempotency_key":"k2"}`, 402, payment.StatusDeclined},
		{"no key", `{"amount_cents":500,"card_token":"tok_visa"}`, 400, ""},
		{"no token", `{"amount_cents":500,"idempotency_key":"k3"}`, 400, ""},
		{"zero amount", `{"amount_cents":0,"card_token":"tok","idempotency_key":"k4"}`, 400, ""},
		{"negative amount", `{"amount_cents":-1,"card_token":"tok","idempotency_key":"k5"}`, 400, ""},
		{"not json", `amount=1`, 400, ""},
		{"unknown field", `{"amount_cents":1,"card_token":"t","idempotency_key":"k6","x":1}`, 400, ""},
	}
	_, srv, _ := start(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := srv.Client().Post(srv.URL+"/v1/charges", "application/json", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var c payment.Charge
			if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || c.Status != tt.chStatus {
				t.Errorf("answer %d %q, want %d %q", resp.StatusCode, c.Status, tt.status, tt.chStatus)
			}
			if tt.chStatus != "" && (c.ID == "" || c.AmountCents != 500) {
				t.Errorf("charge = %+v", c)
			}
		})
	}
}

// TestClientCharge proves the client's outcomes: an ID for a success, and
// shop.ErrPaymentDeclined for a declined token or a decline rate of 1.
func TestClientCharge(t *testing.T) {
	tests := []struct {
		name    string
		opts    []payment.ProviderOption
		token   string
		wantErr error
	}{
		{"approved", nil, "tok_visa", nil},
		{"declined token", nil, payment.DeclineToken, shop.ErrPaymentDeclined},
		{"decline rate 1", []payment.ProviderOption{payment.WithDeclineRate(1)}, "tok_visa", shop.ErrPaymentDeclined},
		{"error rate 1", []payment.ProviderOption{payment.WithErrorRate(1)}, "tok_visa", shop.ErrPaymentUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _, c := start(t, tt.opts)
			id, err := c.Charge(context.Background(), "o_1", tt.token, 700)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Charge: %q, %v; want %v", id, err, tt.wantErr)
			}
			s := stats(t, p)
			code, ch := getCharge(t, p, "o_1")
			switch tt.wantErr {
			case nil:
				if id == "" || ch.ID != id || ch.Status != payment.StatusSucceeded || s.Succeeded != 1 {
					t.Errorf("id %q, charge %+v, stats %+v", id, ch, s)
				}
			case shop.ErrPaymentDeclined:
				if id != "" || ch.Status != payment.StatusDeclined || s.Declined != 1 || s.Succeeded != 0 {
					t.Errorf("id %q, charge %+v, stats %+v", id, ch, s)
				}
			case shop.ErrPaymentUnavailable:
				// A 503 charges nothing and records nothing.
				if code != http.StatusNotFound || s.Failed != 1 || s.Succeeded != 0 {
					t.Errorf("charge lookup %d, stats %+v", code, s)
				}
			}
			if s.Requests != 1 {
				t.Errorf("requests = %d, want 1", s.Requests)
			}
		})
	}
}

// TestClientChargeRefused: a request the provider refuses as such (here
// too large once JSON-escaped) charged nothing, so the client reports a
// known outcome, a decline, not an unknown one to void.
func TestClientChargeRefused(t *testing.T) {
	p, _, c := start(t, nil)
	_, err := c.Charge(context.Background(), "o_1", strings.Repeat("<", 12_000), 700)
	if !errors.Is(err, shop.ErrPaymentDeclined) || errors.Is(err, shop.ErrPaymentUnavailable) {
		t.Fatalf("Charge of a request the provider refuses: %v, want a decline", err)
	}
	if code, _ := getCharge(t, p, "o_1"); code != http.StatusNotFound {
		t.Errorf("the provider holds a charge (%d) for a request it refused", code)
	}
}

// TestIdempotentCharge proves a repeated key is answered with the first
// charge and counted as a replay, never charged again, whatever the retry
// asks for.
func TestIdempotentCharge(t *testing.T) {
	ctx := context.Background()
	p, _, c := start(t, nil)
	first, err := c.Charge(ctx, "o_1", "tok_visa", 700)
	if err != nil {
		t.Fatal(err)
	}
	for _, amount := range []int64{700, 999} {
		again, err := c.Charge(ctx, "o_1", "tok_visa", amount)
		if err != nil || again != first {
			t.Fatalf("retry: %q, %v; want %q", again, err, first)
		}
	}
	// A declined key stays declined, even with a good token.
	if _, err := c.Charge(ctx, "o_2", payment.DeclineToken, 700); !errors.Is(err, shop.ErrPaymentDeclined) {
		t.Fatal(err)
	}
	if _, err := c.Charge(ctx, "o_2", "tok_visa", 700); !errors.Is(err, shop.ErrPaymentDeclined) {
		t.Fatalf("retry of a declined key: %v", err)
	}
	want := payment.Stats{Requests: 5, Succeeded: 1, Declined: 1, Replays: 3}
	if s := stats(t, p); s != want {
		t.Errorf("stats = %+v, want %+v", s, want)
	}
	_, ch := getCharge(t, p, "o_1")
	if ch.AmountCents != 700 {
		t.Errorf("amount = %d, want the first request's 700", ch.AmountCents)
	}
	charges, err := c.Charges(ctx)
	if err != nil || len(charges) != 2 {
		t.Fatalf("Charges = %+v, %v", charges, err)
	}
}

// TestVoidRefunds proves voiding a succeeded charge refunds it: status
// voided, Succeeded decremented, and a retry under the key is refused.
func TestVoidRefunds(t *testing.T) {
	ctx := context.Background()
	p, _, c := start(t, nil)
	if _, err := c.Charge(ctx, "o_1", "tok", 100); err != nil {
		t.Fatal(err)
	}
	for range 2 { // voiding is idempotent
		if err := c.Void(ctx, "o_1"); err != nil {
			t.Fatal(err)
		}
	}
	if _, ch := getCharge(t, p, "o_1"); ch.Status != payment.StatusVoided {
		t.Errorf("charge = %+v, want voided", ch)
	}
	if s := stats(t, p); s.Succeeded != 0 || s.Voided != 1 {
		t.Errorf("stats = %+v, want 0 succeeded, 1 voided", s)
	}
	if _, err := c.Charge(ctx, "o_1", "tok", 100); !errors.Is(err, shop.ErrPaymentDeclined) {
		t.Errorf("charge after void: %v, want ErrPaymentDeclined", err)
	}
}

// TestVoidDeclinedKeepsDecline proves voiding a declined charge changes
// nothing: there was no money to return.
func TestVoidDeclinedKeepsDecline(t *testing.T) {
	ctx := context.Background()
	p, _, c := start(t, nil)
	if _, err := c.Charge(ctx, "o_1", payment.DeclineToken, 100); !errors.Is(err, shop.ErrPaymentDeclined) {
		t.Fatal(err)
	}
	if err := c.Void(ctx, "o_1"); err != nil {
		t.Fatal(err)
	}
	if _, ch := getCharge(t, p, "o_1"); ch.Status != payment.StatusDeclined {
		t.Errorf("charge = %+v, want declined", ch)
	}
	if s := stats(t, p); s.Declined != 1 || s.Voided != 0 {
		t.Errorf("stats = %+v", s)
	}
}

// TestVoidUnknownRefusesLateCharge proves a key voided before the provider
// saw it is settled as not charged: a charge arriving later is refused.
func TestVoidUnknownRefusesLateCharge(t *testing.T) {
	ctx := context.Background()
	p, _, c := start(t, nil)
	if err := c.Void(ctx, "o_late"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Charge(ctx, "o_late", "tok", 100); !errors.Is(err, shop.ErrPaymentDeclined) {
		t.Fatalf("late charge: %v, want ErrPaymentDeclined", err)
	}
	if s := stats(t, p); s.Succeeded != 0 || s.Voided != 1 || s.Replays != 1 {
		t.Errorf("stats = %+v", s)
	}
}

// TestTimeoutThenVoid proves a charge slower than the client's timeout is
// ErrPaymentUnavailable, and that voiding it meanwhile makes the provider
// refuse the charge when it finally completes: no money is taken.
func TestTimeoutThenVoid(t *testing.T) {
	p, srv, c := start(t, []payment.ProviderOption{payment.WithLatency(300*time.Millisecond, 400*time.Millisecond)},
		payment.WithTimeout(20*time.Millisecond))
	_, err := c.Charge(context.Background(), "o_1", "tok", 100)
	if !errors.Is(err, shop.ErrPaymentUnavailable) {
		t.Fatalf("Charge = %v, want ErrPaymentUnavailable", err)
	}
	if err := c.Void(context.Background(), "o_1"); err != nil {
		t.Fatal(err)
	}
	srv.Close() // waits for the slow charge to finish
	if s := stats(t, p); s.Succeeded != 0 || s.Voided != 1 || s.Replays != 1 {
		t.Errorf("stats = %+v, want the late charge refused", s)
	}
	if _, ch := getCharge(t, p, "o_1"); ch.Status != payment.StatusVoided {
		t.Errorf("charge = %+v, want voided", ch)
	}
}

// TestUnreachable proves a provider that cannot be reached is
// ErrPaymentUnavailable for a charge and an error for void and list.
func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := payment.NewClient(url, payment.WithTimeout(time.Second))
	ctx := context.Background()
	if _, err := c.Charge(ctx, "o_1", "tok", 1); !errors.Is(err, shop.ErrPaymentUnavailable) {
		t.Errorf("Charge = %v", err)
	}
	if err := c.Void(ctx, "o_1"); err == nil {
		t.Error("Void succeeded against nothing")
	}
	if _, err := c.Charges(ctx); err == nil {
		t.Error("Charges succeeded against nothing")
	}
}

// TestVoidBadStatus proves a void the provider does not confirm is an error.
func TestVoidBadStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	c := payment.NewClient(srv.URL, payment.WithHTTPClient(srv.Client()))
	if err := c.Void(context.Background(), "o_1"); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("Void = %v, want an error naming 503", err)
	}
	if _, err := c.Charge(context.Background(), "o_1", "t", 1); !errors.Is(err, shop.ErrPaymentUnavailable) {
		t.Errorf("Charge = %v, want ErrPaymentUnavailable", err)
	}
}

func TestNewProviderValidation(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		opts []payment.ProviderOption
		ok   bool
	}{
		{"defaults", nil, true},
		{"rates at bounds", []payment.ProviderOption{payment.WithDeclineRate(1), payment.WithErrorRate(0)}, true},
		{"decline rate negative", []payment.ProviderOption{payment.WithDeclineRate(-0.01)}, false},
		{"decline rate above 1", []payment.ProviderOption{payment.WithDeclineRate(1.01)}, false},
		{"error rate negative", []payment.ProviderOption{payment.WithErrorRate(-1)}, false},
		{"error rate above 1", []payment.ProviderOption{payment.WithErrorRate(2)}, false},
		{"latency", []payment.ProviderOption{payment.WithLatency(10*ms, 50*ms)}, true},
		{"constant latency", []payment.ProviderOption{payment.WithLatency(10*ms, 10*ms)}, true},
		{"negative median", []payment.ProviderOption{payment.WithLatency(-ms, 50*ms)}, false},
		{"p99 below median", []payment.ProviderOption{payment.WithLatency(10*ms, 5*ms)}, false},
		{"p99 missing", []payment.ProviderOption{payment.WithLatency(10*ms, 0)}, false},
	}
	for _, tt := range tests {
		p, err := payment.NewProvider(tt.opts...)
		if tt.ok != (err == nil) || tt.ok != (p != nil) {
			t.Errorf("%s: NewProvider = %v, %v; want ok=%v", tt.name, p, err, tt.ok)
		}
	}
}

// TestLedgerSurvivesRestart: a provider with a ledger that restarts (a new
// Provider on the same file) knows every charge and void it made, answers
// a replayed key with the first outcome, and numbers new charges on; a
// line cut short by a crash at the end of the file is ignored.
func TestLedgerSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	p1, _, c1 := start(t, []payment.ProviderOption{payment.WithLedger(path)})
	ctx := context.Background()
	id1, err := c1.Charge(ctx, "o_1", "tok_ok", 100)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c1.Charge(ctx, "o_2", "tok_ok", 200); err != nil {
		t.Fatal(err)
	}
	if err := c1.Void(ctx, "o_2"); err != nil {
		t.Fatal(err)
	}
	if err := p1.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(`{"id":"ch_9","idempotency_key":"o_torn"`) // a crash mid-write
	f.Close()

	p2, _, c2 := start(t, []payment.ProviderOption{payment.WithLedger(path)})
	t.Cleanup(func() { p2.Close() })
	if code, c := getCharge(t, p2, "o_1"); code != http.StatusOK || c.ID != id1 || c.Status != payment.StatusSucceeded {
		t.Errorf("o_1 after the restart: %d %+v, want the succeeded %s", code, c, id1)
	}
	if _, c := getCharge(t, p2, "o_2"); c.Status != payment.StatusVoided {
		t.Errorf("o_2 after the restart: %+v, want voided", c)
	}
	if code, _ := getCharge(t, p2, "o_torn"); code != http.StatusNotFound {
		t.Errorf("the torn line's charge: %d, want 404 (it never happened)", code)
	}
	if again, err := c2.Charge(ctx, "o_1", "tok_ok", 100); err != nil || again != id1 {
		t.Errorf("replayed o_1: %q, %v; want the first charge %s", again, err, id1)
	}
	id3, err := c2.Charge(ctx, "o_3", "tok_ok", 300)
	if err != nil || id3 == id1 || id3 == "ch_2" {
		t.Errorf("new charge after the restart: %q, %v; want a fresh ID", id3, err)
	}

	// The charge made after the torn line is kept, and the ledger opens
	// again: the fragment was cut off, not written onto.
	if err := p2.Close(); err != nil {
		t.Fatal(err)
	}
	p3, _, _ := start(t, []payment.ProviderOption{payment.WithLedger(path)})
	t.Cleanup(func() { p3.Close() })
	if code, c := getCharge(t, p3, "o_3"); code != http.StatusOK || c.ID != id3 {
		t.Errorf("o_3 after a second restart: %d %+v, want %s", code, c, id3)
	}
}
