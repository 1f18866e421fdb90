// Package payment is the shop's external payment provider: a small server of
// ours that stands in for a third-party payment service provider (PSP), and
// the client every variant charges through.
//
// The provider behaves like a real PSP where it matters to a benchmark: each
// charge takes a configurable, log-normally distributed time; a configurable
// share is declined or fails with 503; charges are idempotent by key; and a
// charge whose outcome the shop never learned (a timeout) can be voided, so
// that the shop can settle the order either way.
package payment

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/archbench/archbench/shop/api"
)

// DeclineToken is a card token the provider always declines.
const DeclineToken = "tok_decline"

// ChargeRequest is the body of POST /v1/charges.
type ChargeRequest struct {
	AmountCents    int64  `json:"amount_cents"`
	CardToken      string `json:"card_token"`
	IdempotencyKey string `json:"idempotency_key"`
}

// Charge states.
const (
	StatusSucceeded = "succeeded"
	StatusDeclined  = "declined"
	StatusVoided    = "voided"
)

// Charge is the provider's record of one idempotency key.
type Charge struct {
	ID             string `json:"id"`
	IdempotencyKey string `json:"idempotency_key"`
	AmountCents    int64  `json:"amount_cents"`
	Status         string `json:"status"`
}

// Stats counts what the provider has done, for the data audit.
type Stats struct {
	Requests  int64 `json:"requests"`
	Succeeded int64 `json:"succeeded"`
	Declined  int64 `json:"declined"`
	Failed    int64 `json:"failed"`
	Voided    int64 `json:"voided"`
	// Replays counts charges answered from an earlier charge with the same key.
	Replays int64 `json:"replays"`
}

// Provider is the PSP's HTTP handler.
type Provider struct {
	median, p99 time.Duration
	declineRate float64
	errorRate   float64
	sleep       func(time.Duration)

	mu      sync.Mutex
	rng     *rand.Rand
	charges map[string]*Charge
	stats   Stats
	seq     int64
	mux     *http.ServeMux

	ledgerPath string
	ledger     ledgerWriter // every charge's latest state, one JSON line per change
	ledgerSize int64        // bytes of whole records in the ledger
	// ledgerErr, once set, refuses every change: a failed write left a
	// fragment that could not be cut off, and a record appended to it would
	// corrupt the ledger.
	ledgerErr error
	closed    bool // Close was called: no change can be recorded any more
}

// ledgerWriter is what the provider needs of its ledger: appending records
// and closing. *os.File is one.
type ledgerWriter interface {
	io.Writer
	io.Closer
}

// truncater is a ledger that can cut off a record it failed to write whole.
type truncater interface {
	Truncate(size int64) error
}

// errClosed refuses a change that arrives after Close.
var errClosed = errors.New("the provider is shutting down")

// ProviderOption configures a Provider.
type ProviderOption func(*Provider)

// WithLatency sets the charge latency distribution: log-normal with the
// given median and 99th percentile. Zero median means no added latency.
func WithLatency(median, p99 time.Duration) ProviderOption {
	return func(p *Provider) { p.median, p.p99 = median, p99 }
}

// WithDeclineRate sets the share of charges declined (0..1), besides those
// with DeclineToken.
func WithDeclineRate(r float64) ProviderOption { return func(p *Provider) { p.declineRate = r } }

// WithErrorRate sets the share of charge requests answered 503 without
// charging (0..1).
func WithErrorRate(r float64) ProviderOption { return func(p *Provider) { p.errorRate = r } }

// WithSeed seeds the provider's random choices.
func WithSeed(seed uint64) ProviderOption {
	return func(p *Provider) { p.rng = rand.New(rand.NewPCG(seed, seed+1)) }
}

// WithLedger keeps the provider's charges in a file, one JSON line per
// change, replayed at start: a real provider does not forget what it
// charged when it restarts, and the data audit after a crash of the
// provider depends on that. A charge or void that cannot be written to the
// ledger (a full disk) is not made and is answered 503. Records are
// written, not synced: they survive a crash of the provider's process,
// which is what the fault scenarios do, but not of the machine, as the
// shops' SQLite databases (synchronous NORMAL) do not either. Without it,
// charges live in memory only.
func WithLedger(path string) ProviderOption { return func(p *Provider) { p.ledgerPath = path } }

// withLedgerWriter keeps the ledger in w, which starts empty and is not
// replayed, for tests.
func withLedgerWriter(w ledgerWriter) ProviderOption { return func(p *Provider) { p.ledger = w } }

// withSleep replaces time.Sleep, for tests.
func withSleep(f func(time.Duration)) ProviderOption { return func(p *Provider) { p.sleep = f } }

// NewProvider returns a provider; by default it answers at once and approves
// every charge not made with DeclineToken.
func NewProvider(opts ...ProviderOption) (*Provider, error) {
	p := &Provider{sleep: time.Sleep, charges: map[string]*Charge{}, rng: rand.New(rand.NewPCG(1, 2))}
	for _, o := range opts {
		o(p)
	}
	switch {
	case p.declineRate < 0 || p.declineRate > 1:
		return nil, fmt.Errorf("payment provider: decline rate must be 0..1, but is %g", p.declineRate)
	case p.errorRate < 0 || p.errorRate > 1:
		return nil, fmt.Errorf("payment provider: error rate must be 0..1, but is %g", p.errorRate)
	case p.median < 0 || (p.median > 0 && p.p99 < p.median):
		return nil, fmt.Errorf("payment provider: latency needs 0 <= median <= p99, but is median %s, p99 %s", p.median, p.p99)
	}
	if p.ledgerPath != "" {
		if err := p.openLedger(); err != nil {
			return nil, err
		}
	}
	p.mux = http.NewServeMux()
	p.mux.HandleFunc("POST /v1/charges", p.charge)
	p.mux.HandleFunc("GET /v1/charges/{key}", p.get)
	p.mux.HandleFunc("POST /v1/charges/{key}/void", p.void)
	p.mux.HandleFunc("GET /v1/stats", p.getStats)
	p.mux.HandleFunc("GET /v1/charges", p.list)
	p.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		api.WriteJSON(w, http.StatusOK, api.Status{Status: "ok"})
	})
	return p, nil
}

// ServeHTTP serves the provider's API.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.mux.ServeHTTP(w, r) }

// latency draws one charge's processing time. A log-normal with median m has
// mu = ln m; its 99th percentile is m*exp(2.326*sigma), so sigma = ln(p99/m)/2.326.
func (p *Provider) latency() time.Duration {
	if p.median <= 0 {
		return 0
	}
	sigma := math.Log(float64(p.p99)/float64(p.median)) / 2.3263478740408408
	return time.Duration(float64(p.median) * math.Exp(sigma*p.rng.NormFloat64()))
}

func (p *Provider) charge(w http.ResponseWriter, r *http.Request) {
	var req ChargeRequest
	if err := api.Decode(w, r, &req); err != nil {
		api.WriteError(w, r, nil, err)
		return
	}
	if req.IdempotencyKey == "" || req.AmountCents <= 0 || req.CardToken == "" {
		writeErr(w, http.StatusBadRequest, api.CodeInvalidArgument, "idempotency_key, card_token and a positive amount_cents are required")
		return
	}
	p.mu.Lock()
	p.stats.Requests++
	d := p.latency()
	fail := p.rng.Float64() < p.errorRate
	decline := req.CardToken == DeclineToken || p.rng.Float64() < p.declineRate
	p.mu.Unlock()
	p.sleep(d)

	// The charge is answered only after its record is in the ledger, and is
	// not made at all if it cannot be recorded: a charge answered but not
	// recorded would be a payment the provider denies after a restart.
	p.mu.Lock()
	if c, ok := p.charges[req.IdempotencyKey]; ok {
		p.stats.Replays++
		cp := *c
		p.mu.Unlock()
		writeCharge(w, cp)
		return
	}
	if fail {
		p.stats.Failed++
		p.mu.Unlock()
		writeErr(w, http.StatusServiceUnavailable, api.CodeUnavailable, "payment provider temporarily unavailable")
		return
	}
	c := Charge{ID: fmt.Sprintf("ch_%d", p.seq+1), IdempotencyKey: req.IdempotencyKey, AmountCents: req.AmountCents, Status: StatusSucceeded}
	if decline {
		c.Status = StatusDeclined
	}
	if err := p.record(c); err != nil {
		p.stats.Failed++
		p.mu.Unlock()
		// 503, not 4xx: the client takes it as an unknown outcome and
		// voids the key, which settles it whatever the ledger holds.
		writeErr(w, http.StatusServiceUnavailable, api.CodeUnavailable, "payment provider unavailable: "+err.Error())
		return
	}
	p.seq++
	if decline {
		p.stats.Declined++
	} else {
		p.stats.Succeeded++
	}
	p.charges[req.IdempotencyKey] = &c
	p.mu.Unlock()
	writeCharge(w, c)
}

func writeCharge(w http.ResponseWriter, c Charge) {
	status := http.StatusCreated
	if c.Status == StatusDeclined {
		status = http.StatusPaymentRequired
	}
	api.WriteJSON(w, status, c)
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	api.WriteJSON(w, status, api.ErrorBody{Error: api.ErrorDetail{Code: code, Message: msg}})
}

func (p *Provider) get(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	c, ok := p.charges[r.PathValue("key")]
	var cp Charge
	if ok {
		cp = *c
	}
	p.mu.Unlock()
	if !ok {
		writeErr(w, http.StatusNotFound, api.CodeNotFound, "no charge with that idempotency key")
		return
	}
	api.WriteJSON(w, http.StatusOK, cp)
}

// void settles a key as not charged: a succeeded charge is refunded, and a key
// never seen is recorded as voided so that a charge arriving late is refused
// (answered with the voided record) instead of taking money.
func (p *Provider) void(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	p.mu.Lock()
	c, ok := p.charges[key]
	if ok && c.Status != StatusSucceeded {
		// Declined or voided already: settled, and in the ledger.
		cp := *c
		p.mu.Unlock()
		api.WriteJSON(w, http.StatusOK, cp)
		return
	}
	next := Charge{ID: fmt.Sprintf("ch_%d", p.seq+1), IdempotencyKey: key, Status: StatusVoided}
	if ok {
		next = *c
		next.Status = StatusVoided
	}
	if err := p.record(next); err != nil {
		p.mu.Unlock()
		// The void did not happen; the caller retries it.
		writeErr(w, http.StatusServiceUnavailable, api.CodeUnavailable, "payment provider unavailable: "+err.Error())
		return
	}
	if ok {
		*c = next
		p.stats.Succeeded--
	} else {
		p.seq++
		p.charges[key] = &next
	}
	p.stats.Voided++
	p.mu.Unlock()
	api.WriteJSON(w, http.StatusOK, next)
}

// openLedger replays the ledger file, then keeps it open for appending.
func (p *Provider) openLedger() error {
	data, err := os.ReadFile(p.ledgerPath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("payment provider: read ledger: %w", err)
	}
	// Only what ends in a newline was written whole; a crash mid-write
	// leaves a fragment after the last newline, cut off below so that the
	// next record starts a line of its own.
	whole := data[:bytes.LastIndexByte(data, '\n')+1]
	lines := bytes.Split(whole, []byte("\n"))
	for i, line := range lines {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var c Charge
		if err := json.Unmarshal(line, &c); err != nil {
			return fmt.Errorf("payment provider: ledger line %d: %w", i+1, err)
		}
		p.charges[c.IdempotencyKey] = &c
		if n, err := strconv.ParseInt(strings.TrimPrefix(c.ID, "ch_"), 10, 64); err == nil {
			p.seq = max(p.seq, n)
		}
	}
	p.ledgerSize = int64(len(whole))
	for _, c := range p.charges {
		switch c.Status {
		case StatusSucceeded:
			p.stats.Succeeded++
		case StatusDeclined:
			p.stats.Declined++
		case StatusVoided:
			p.stats.Voided++
		}
	}
	f, err := os.OpenFile(p.ledgerPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("payment provider: open ledger: %w", err)
	}
	if len(whole) < len(data) {
		// The torn fragment's charge was never answered, so it never
		// happened: drop it.
		if err := f.Truncate(int64(len(whole))); err != nil {
			f.Close()
			return fmt.Errorf("payment provider: cut the ledger's torn last line: %w", err)
		}
	}
	p.ledger = f
	return nil
}

// record appends a charge's new state to the ledger, before the change is
// made in memory or answered. p.mu is held, so the file's order is the order
// of the changes. A write the kernel has taken survives a crash of the
// process. An error means the change was not recorded and must not be made.
func (p *Provider) record(c Charge) error {
	switch {
	case p.closed:
		return errClosed
	case p.ledgerErr != nil:
		return p.ledgerErr
	case p.ledger == nil:
		return nil
	}
	line, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode ledger record: %w", err)
	}
	n, err := p.ledger.Write(append(line, '\n'))
	if err == nil {
		p.ledgerSize += int64(n)
		return nil
	}
	err = fmt.Errorf("write ledger: %w", err)
	if n == 0 {
		return err
	}
	// Part of the record reached the ledger: cut it off, or the next
	// record would be appended to the fragment and corrupt the line.
	if t, ok := p.ledger.(truncater); ok {
		terr := t.Truncate(p.ledgerSize)
		if terr == nil {
			return err
		}
		err = fmt.Errorf("%w; cut off the torn record: %w", err, terr)
	}
	p.ledgerErr = fmt.Errorf("%w (the ledger ends in a torn record: restart the provider to cut it off)", err)
	return p.ledgerErr
}

// Close closes the ledger, if any. Call it once the server has drained: a
// charge or void still in flight afterwards is not made and is answered 503,
// because it could no longer be recorded.
func (p *Provider) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.ledger == nil {
		return nil
	}
	err := p.ledger.Close()
	p.ledger = nil
	if err != nil {
		return fmt.Errorf("payment provider: close the ledger: %w", err)
	}
	return nil
}

// Stats returns what the provider has done so far.
func (p *Provider) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

func (p *Provider) getStats(w http.ResponseWriter, r *http.Request) {
	api.WriteJSON(w, http.StatusOK, p.Stats())
}

// list returns every charge, for the data audit.
func (p *Provider) list(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	out := make([]Charge, 0, len(p.charges))
	for _, c := range p.charges {
		out = append(out, *c)
	}
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(struct {
		Charges []Charge `json:"charges"`
	}{out})
}
