package payments_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/archbench/archbench/payment"
	"github.com/archbench/archbench/services/payments"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/sqlstore"
)

// fakePSP is an in-memory payment provider. Like the real one it is
// idempotent by key: a key charged before gets its first payment ID back.
// It records every key it is asked to charge or void.
type fakePSP struct {
	chargeErr error // returned by every Charge, if set
	voidErr   error // returned by every Void, if set

	mu      sync.Mutex
	ids     map[string]string
	charged []string
	voided  []string
}

func (f *fakePSP) Charge(_ context.Context, key, cardToken string, amountCents int64) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.charged = append(f.charged, key)
	if f.chargeErr != nil {
		return "", f.chargeErr
	}
	if f.ids == nil {
		f.ids = map[string]string{}
	}
	if id, ok := f.ids[key]; ok {
		return id, nil
	}
	f.ids[key] = fmt.Sprintf("ch_%d", len(f.ids)+1)
	return f.ids[key], nil
}

func (f *fakePSP) Void(_ context.Context, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.voided = append(f.voided, key)
	return f.voidErr
}

func (f *fakePSP) calls() (charged, voided string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.charged, ","), strings.Join(f.voided, ",")
}

// start serves a payment service over psp and returns its base URL.
func start(t *testing.T, psp payments.Provider) string {
	t.Helper()
	s, err := payments.Open(t.Context(), t.TempDir(), psp)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	srv := httptest.NewServer(payments.Handler(s, nil))
	t.Cleanup(srv.Close)
	return srv.URL
}

// answer is one response: its status, and the payment ID or error code.
type answer struct {
	status    int
	paymentID string
	code      string
}

func post(t *testing.T, url, body string) answer {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode}
	if resp.StatusCode >= 300 {
		var eb api.ErrorBody
		if err := json.Unmarshal(data, &eb); err != nil || eb.Error.Code == "" {
			t.Fatalf("POST %s: %d with a body that is not a JSON error: %q", url, resp.StatusCode, data)
		}
		a.code = eb.Error.Code
		return a
	}
	var cr payments.ChargeResponse
	if err := json.Unmarshal(data, &cr); err != nil {
		t.Fatalf("POST %s: %v: %q", url, err, data)
	}
	a.paymentID = cr.PaymentID
	return a
}

func charge(t *testing.T, base, orderID string, amount int64, token string) answer {
	t.Helper()
	b, _ := json.Marshal(payments.ChargeRequest{OrderID: orderID, AmountCents: amount, CardToken: token})
	return post(t, base+"/charges", string(b))
}

func void(t *testing.T, base, orderID string) answer {
	t.Helper()
	return post(t, base+"/charges/"+orderID+"/void", "")
}

// outcomes returns GET /internal/payments as "status=n" pairs in order.
func outcomes(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/internal/payments")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Outcomes map[string]int64 }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /internal/payments: %d %v", resp.StatusCode, err)
	}
	return fmt.Sprint(out.Outcomes)
}

// TestCharge proves how a charge is answered for each provider outcome, and
// what the service records.
func TestCharge(t *testing.T) {
	tests := []struct {
		name      string
		chargeErr error
		want      answer
		outcomes  string
	}{
		{"charged", nil, answer{status: 201, paymentID: "ch_1"}, "map[charged:1]"},
		{"declined", fmt.Errorf("charge o_1: %w", shop.ErrPaymentDeclined), answer{status: 402, code: api.CodePaymentDeclined}, "map[declined:1]"},
		{"no answer", fmt.Errorf("charge o_1: timeout: %w", shop.ErrPaymentUnavailable), answer{status: 503, code: api.CodePaymentUnavailable}, "map[unknown:1]"},
		// A provider failure of no known kind is still a charge without an
		// answer, not a bug in this service.
		{"unclassified failure", context.DeadlineExceeded, answer{status: 503, code: api.CodePaymentUnavailable}, "map[unknown:1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			psp := &fakePSP{chargeErr: tt.chargeErr}
			base := start(t, psp)
			if got := charge(t, base, "o_1", 9198, "tok_ok"); got != tt.want {
				t.Errorf("charge = %+v, want %+v", got, tt.want)
			}
			if charged, _ := psp.calls(); charged != "o_1" {
				t.Errorf("provider charged keys %q, want o_1", charged)
			}
			if got := outcomes(t, base); got != tt.outcomes {
				t.Errorf("outcomes = %s, want %s", got, tt.outcomes)
			}
		})
	}
}

// TestChargeTwice proves charging an order again asks the provider under
// the same idempotency key and answers the first payment ID; a different
// amount for the same order is a conflict that never reaches the provider.
func TestChargeTwice(t *testing.T) {
	psp := &fakePSP{}
	base := start(t, psp)
	first := charge(t, base, "o_1", 500, "tok_ok")
	if first.status != http.StatusCreated || first.paymentID == "" {
		t.Fatalf("first charge = %+v, want 201 with a payment ID", first)
	}
	if again := charge(t, base, "o_1", 500, "tok_ok"); again != first {
		t.Errorf("second charge = %+v, want %+v", again, first)
	}
	if other := charge(t, base, "o_2", 500, "tok_ok"); other.status != http.StatusCreated || other.paymentID == first.paymentID {
		t.Errorf("charge of another order = %+v, want 201 with another payment ID than %s", other, first.paymentID)
	}
	if got := charge(t, base, "o_1", 501, "tok_ok"); got != (answer{status: 409, code: api.CodeConflict}) {
		t.Errorf("charge with another amount = %+v, want 409 %s", got, api.CodeConflict)
	}
	if charged, _ := psp.calls(); charged != "o_1,o_1,o_2" {
		t.Errorf("provider charged keys %q, want o_1,o_1,o_2", charged)
	}
	if got := outcomes(t, base); got != "map[charged:2]" {
		t.Errorf("outcomes = %s, want map[charged:2]", got)
	}
}

// TestVoid proves a void is passed to the provider and recorded, for an
// order charged or never seen, and that a provider that cannot void makes it
// 503 with nothing recorded.
func TestVoid(t *testing.T) {
	psp := &fakePSP{}
	base := start(t, psp)
	if got := charge(t, base, "o_1", 500, "tok_ok"); got.status != http.StatusCreated {
		t.Fatalf("charge = %+v", got)
	}
	for _, id := range []string{"o_1", "o_never", "o_1"} {
		if got := void(t, base, id); got.status != http.StatusOK {
			t.Errorf("void %s = %+v, want 200", id, got)
		}
	}
	if _, voided := psp.calls(); voided != "o_1,o_never,o_1" {
		t.Errorf("provider voided %q, want o_1,o_never,o_1", voided)
	}
	if got := outcomes(t, base); got != "map[voided:2]" {
		t.Errorf("outcomes = %s, want map[voided:2]", got)
	}

	psp.mu.Lock()
	psp.voidErr = errors.New("connection refused")
	psp.mu.Unlock()
	if got := void(t, base, "o_2"); got != (answer{status: 503, code: api.CodeUnavailable}) {
		t.Errorf("void with the provider down = %+v, want 503 %s", got, api.CodeUnavailable)
	}
	if got := outcomes(t, base); got != "map[voided:2]" {
		t.Errorf("outcomes after a failed void = %s, want map[voided:2]", got)
	}
}

// TestBadInput proves malformed requests are answered 400 with a JSON error
// and never reach the provider.
func TestBadInput(t *testing.T) {
	long := strings.Repeat("o", 65)
	tests := []struct {
		name, path, body string
		code             string
	}{
		{"not JSON", "/charges", `order_id=o_1`, api.CodeInvalidJSON},
		{"malformed JSON", "/charges", `{"order_id":"o_1",`, api.CodeInvalidJSON},
		{"empty body", "/charges", ``, api.CodeInvalidJSON},
		{"unknown field", "/charges", `{"order_id":"o_1","amount_cents":1,"card_token":"t","x":1}`, api.CodeInvalidJSON},
		{"amount as a string", "/charges", `{"order_id":"o_1","amount_cents":"1","card_token":"t"}`, api.CodeInvalidJSON},
		{"missing order_id", "/charges", `{"amount_cents":1,"card_token":"t"}`, api.CodeInvalidArgument},
		{"order_id too long", "/charges", `{"order_id":"` + long + `","amount_cents":1,"card_token":"t"}`, api.CodeInvalidArgument},
		{"zero amount", "/charges", `{"order_id":"o_1","amount_cents":0,"card_token":"t"}`, api.CodeInvalidArgument},
		{"negative amount", "/charges", `{"order_id":"o_1","amount_cents":-5,"card_token":"t"}`, api.CodeInvalidArgument},
		{"missing card_token", "/charges", `{"order_id":"o_1","amount_cents":1}`, api.CodeInvalidArgument},
		{"void order_id too long", "/charges/" + long + "/void", ``, api.CodeInvalidArgument},
	}
	psp := &fakePSP{}
	base := start(t, psp)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := post(t, base+tt.path, tt.body); got != (answer{status: 400, code: tt.code}) {
				t.Errorf("POST %.40s = %+v, want 400 %s", tt.path, got, tt.code)
			}
		})
	}
	if charged, voided := psp.calls(); charged != "" || voided != "" {
		t.Errorf("bad requests reached the provider: charged %q, voided %q", charged, voided)
	}
	if got := outcomes(t, base); got != "map[]" {
		t.Errorf("outcomes after bad requests = %s, want none", got)
	}
}

// TestRealProvider proves the service against the real payment provider and
// client: one charge per order whatever the retries, a declined token, and a
// void that refunds the charge and refuses it afterwards.
func TestRealProvider(t *testing.T) {
	p, err := payment.NewProvider()
	if err != nil {
		t.Fatal(err)
	}
	pspSrv := httptest.NewServer(p)
	t.Cleanup(pspSrv.Close)
	base := start(t, payment.NewClient(pspSrv.URL, payment.WithHTTPClient(pspSrv.Client())))

	first := charge(t, base, "o_1", 700, "tok_ok")
	if first.status != http.StatusCreated || first.paymentID == "" {
		t.Fatalf("charge o_1 = %+v, want 201 with a payment ID", first)
	}
	if again := charge(t, base, "o_1", 700, "tok_ok"); again != first {
		t.Errorf("charge o_1 again = %+v, want %+v", again, first)
	}
	if got := charge(t, base, "o_2", 700, payment.DeclineToken); got != (answer{status: 402, code: api.CodePaymentDeclined}) {
		t.Errorf("charge with %s = %+v, want 402 %s", payment.DeclineToken, got, api.CodePaymentDeclined)
	}
	if got := void(t, base, "o_1"); got.status != http.StatusOK {
		t.Fatalf("void o_1 = %+v, want 200", got)
	}
	// A voided order is refused (the service knows it; the provider would
	// too), and it stays voided here.
	if got := charge(t, base, "o_1", 700, "tok_ok"); got != (answer{status: 402, code: api.CodePaymentDeclined}) {
		t.Errorf("charge o_1 after its void = %+v, want 402 %s", got, api.CodePaymentDeclined)
	}
	if got := outcomes(t, base); got != "map[declined:1 voided:1]" {
		t.Errorf("outcomes = %s, want map[declined:1 voided:1]", got)
	}
	st := p.Stats()
	if st.Succeeded != 0 || st.Voided != 1 || st.Declined != 1 || st.Replays != 1 {
		t.Errorf("provider stats = %+v, want succeeded 0, voided 1, declined 1, replays 1", st)
	}
}

// TestRealProviderFailing proves a provider answering 503 makes the charge
// 503 payment_unavailable with its outcome unknown until voided.
func TestRealProviderFailing(t *testing.T) {
	p, err := payment.NewProvider(payment.WithErrorRate(1))
	if err != nil {
		t.Fatal(err)
	}
	pspSrv := httptest.NewServer(p)
	t.Cleanup(pspSrv.Close)
	base := start(t, payment.NewClient(pspSrv.URL, payment.WithHTTPClient(pspSrv.Client())))

	if got := charge(t, base, "o_1", 700, "tok_ok"); got != (answer{status: 503, code: api.CodePaymentUnavailable}) {
		t.Errorf("charge = %+v, want 503 %s", got, api.CodePaymentUnavailable)
	}
	if got := outcomes(t, base); got != "map[unknown:1]" {
		t.Errorf("outcomes = %s, want map[unknown:1]", got)
	}
	if got := void(t, base, "o_1"); got.status != http.StatusOK {
		t.Fatalf("void = %+v, want 200", got)
	}
	if got := outcomes(t, base); got != "map[voided:1]" {
		t.Errorf("outcomes after void = %s, want map[voided:1]", got)
	}
}

// TestServesWriterStats: the service serves its database's writer counts
// at sqlstore.WriterPath, a charge's among them.
func TestServesWriterStats(t *testing.T) {
	base := start(t, &fakePSP{})
	if a := charge(t, base, "o_1", 100, "tok_ok"); a.status != http.StatusCreated {
		t.Fatalf("charge: %+v", a)
	}
	rep, err := sqlstore.FetchWriters(t.Context(), http.DefaultClient, base)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Writers) != 1 || rep.Writers[0].Database != "payments.db" || rep.Writers[0].Writes < 1 {
		t.Fatalf("writers %+v, want payments.db's, with the charge written", rep.Writers)
	}
}
