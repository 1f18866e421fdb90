package payment

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/archbench/archbench/shop"
)

// captureSleeps returns a provider that records each charge's drawn latency
// instead of sleeping.
func captureSleeps(t *testing.T, opts ...ProviderOption) (*Provider, *[]time.Duration) {
	t.Helper()
	var slept []time.Duration
	p, err := NewProvider(append(opts, withSleep(func(d time.Duration) { slept = append(slept, d) }))...)
	if err != nil {
		t.Fatal(err)
	}
	return p, &slept
}

func charge(t *testing.T, p *Provider, key string) {
	t.Helper()
	w := httptest.NewRecorder()
	body := fmt.Sprintf(`{"amount_cents":100,"card_token":"tok","idempotency_key":%q}`, key)
	p.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/charges", strings.NewReader(body)))
	if w.Code != http.StatusCreated {
		t.Fatalf("charge %s: %d %s", key, w.Code, w.Body)
	}
}

// TestLatencyDistribution proves the charge latency the provider sleeps has
// the configured median and 99th percentile.
func TestLatencyDistribution(t *testing.T) {
	tests := []struct{ median, p99 time.Duration }{
		{20 * time.Millisecond, 80 * time.Millisecond},
		{100 * time.Millisecond, 120 * time.Millisecond},
		{5 * time.Millisecond, 500 * time.Millisecond},
	}
	const n = 20_000
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s", tt.median, tt.p99), func(t *testing.T) {
			p, slept := captureSleeps(t, WithLatency(tt.median, tt.p99), WithSeed(7))
			for i := range n {
				charge(t, p, fmt.Sprintf("k%d", i))
			}
			if len(*slept) != n {
				t.Fatalf("%d sleeps for %d charges", len(*slept), n)
			}
			s := slices.Clone(*slept)
			slices.Sort(s)
			median, p99 := s[n/2], s[n*99/100]
			if rel(median, tt.median) > 0.05 {
				t.Errorf("median = %s, want %s ± 5%%", median, tt.median)
			}
			if rel(p99, tt.p99) > 0.10 {
				t.Errorf("p99 = %s, want %s ± 10%%", p99, tt.p99)
			}
			if s[0] <= 0 {
				t.Errorf("drew a non-positive latency %s", s[0])
			}
		})
	}
}

func rel(got, want time.Duration) float64 {
	d := float64(got-want) / float64(want)
	if d < 0 {
		return -d
	}
	return d
}

// TestNoLatencyByDefault proves a provider without WithLatency adds none, and
// median == p99 gives a constant latency.
func TestNoLatencyByDefault(t *testing.T) {
	p, slept := captureSleeps(t)
	charge(t, p, "a")
	charge(t, p, "b")
	if !slices.Equal(*slept, []time.Duration{0, 0}) {
		t.Errorf("slept %v, want no latency", *slept)
	}
	p, slept = captureSleeps(t, WithLatency(30*time.Millisecond, 30*time.Millisecond))
	for i := range 100 {
		charge(t, p, fmt.Sprint(i))
	}
	for _, d := range *slept {
		if d != 30*time.Millisecond {
			t.Fatalf("slept %s, want exactly 30ms", d)
		}
	}
}

// TestSeedDeterminism proves WithSeed makes the provider's draws repeatable.
func TestSeedDeterminism(t *testing.T) {
	draw := func(seed uint64) []time.Duration {
		p, slept := captureSleeps(t, WithLatency(10*time.Millisecond, 50*time.Millisecond), WithSeed(seed))
		for i := range 50 {
			charge(t, p, fmt.Sprint(i))
		}
		return *slept
	}
	if !slices.Equal(draw(3), draw(3)) {
		t.Error("same seed, different latencies")
	}
	if slices.Equal(draw(3), draw(4)) {
		t.Error("different seeds, same latencies")
	}
}

// testLedger is a ledger file whose writes can be held, or fail as on a full
// disk.
type testLedger struct {
	*os.File
	full    atomic.Bool   // writes fail with ENOSPC
	torn    atomic.Bool   // a failing write first takes half the record
	entered chan struct{} // if not nil, told when a write starts
	release chan struct{} // if not nil, a write waits for it
}

func (l *testLedger) Write(b []byte) (int, error) {
	if l.entered != nil {
		l.entered <- struct{}{}
		<-l.release
	}
	if !l.full.Load() {
		return l.File.Write(b)
	}
	n := 0
	if l.torn.Load() {
		n, _ = l.File.Write(b[:len(b)/2])
	}
	return n, fmt.Errorf("write %s: %w", l.Name(), syscall.ENOSPC)
}

// uncuttable hides the ledger's Truncate: a torn record stays.
type uncuttable struct{ ledgerWriter }

// newTestLedger returns an empty ledger file at path.
func newTestLedger(t *testing.T, path string) *testLedger {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &testLedger{File: f}
}

// serve serves p on loopback and returns a client of it.
func serve(t *testing.T, p *Provider) (*httptest.Server, *Client) {
	t.Helper()
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return srv, NewClient(srv.URL, WithHTTPClient(srv.Client()))
}

// lookup returns the provider's charge under key, if any.
func lookup(p *Provider, key string) (Charge, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.charges[key]
	if !ok {
		return Charge{}, false
	}
	return *c, true
}

// TestLedgerWriteFailure proves a charge or void whose ledger record cannot
// be written is not made: it is answered 503, which the client reports as
// an unknown outcome (never a decline), and neither the provider's charges
// nor its stats change. Once the disk has room again the same request goes
// through, and the ledger replays cleanly: a torn record is cut off at
// once when the file allows it, and otherwise the provider refuses every
// change until a restart cuts it off.
func TestLedgerWriteFailure(t *testing.T) {
	ctx := context.Background()
	ops := []struct {
		name  string
		setup bool   // o_1 is charged before the disk fills
		do    string // "charge", "decline" or "void"
		want  string // o_1's status once the request goes through
	}{
		{"charge", false, "charge", StatusSucceeded},
		{"declined charge", false, "decline", StatusDeclined},
		{"void of a charge", true, "void", StatusVoided},
		{"void of an unknown key", false, "void", StatusVoided},
	}
	disks := []struct {
		name        string
		torn, uncut bool
		untilReopen bool // the provider refuses changes until restarted
	}{
		{"nothing written", false, false, false},
		{"torn record cut off", true, false, false},
		{"torn record that cannot be cut", true, true, true},
	}
	for _, op := range ops {
		for _, disk := range disks {
			t.Run(op.name+"/"+disk.name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "ledger.jsonl")
				l := newTestLedger(t, path)
				var lw ledgerWriter = l
				if disk.uncut {
					lw = uncuttable{l}
				}
				p, err := NewProvider(withLedgerWriter(lw))
				if err != nil {
					t.Fatal(err)
				}
				_, c := serve(t, p)
				if op.setup {
					if _, err := c.Charge(ctx, "o_1", "tok", 100); err != nil {
						t.Fatal(err)
					}
				}
				do := func() error {
					switch op.do {
					case "charge":
						_, err := c.Charge(ctx, "o_1", "tok", 100)
						return err
					case "decline":
						_, err := c.Charge(ctx, "o_1", DeclineToken, 100)
						if errors.Is(err, shop.ErrPaymentDeclined) {
							return nil
						}
						return err
					}
					return c.Void(ctx, "o_1")
				}
				before, hadBefore := lookup(p, "o_1")
				statsBefore := p.Stats()
				l.full.Store(true)
				l.torn.Store(disk.torn)

				err = do()
				if err == nil || errors.Is(err, shop.ErrPaymentDeclined) || (op.do != "void" && !errors.Is(err, shop.ErrPaymentUnavailable)) {
					t.Fatalf("%s with a full disk: %v, want an unknown outcome (503)", op.do, err)
				}
				if after, ok := lookup(p, "o_1"); ok != hadBefore || after != before {
					t.Errorf("o_1 with a full disk: %+v (held %v), want unchanged %+v (held %v)", after, ok, before, hadBefore)
				}
				want := statsBefore
				if op.do != "void" { // a charge request counts, as failed
					want.Requests, want.Failed = statsBefore.Requests+1, statsBefore.Failed+1
				}
				if s := p.Stats(); s != want {
					t.Errorf("stats with a full disk = %+v, want %+v", s, want)
				}

				l.full.Store(false)
				err = do()
				if disk.untilReopen {
					if err == nil {
						t.Fatalf("%s after a torn record that could not be cut: went through, want refused", op.do)
					}
					if err := p.Close(); err != nil {
						t.Fatal(err)
					}
					if p, err = NewProvider(WithLedger(path)); err != nil {
						t.Fatalf("restart on the torn ledger: %v", err)
					}
					t.Cleanup(func() { p.Close() })
					_, c = serve(t, p)
					err = do()
				}
				if err != nil {
					t.Fatalf("%s once the disk has room: %v", op.do, err)
				}
				if err := p.Close(); err != nil {
					t.Fatal(err)
				}
				again, err := NewProvider(WithLedger(path))
				if err != nil {
					t.Fatalf("replay the ledger: %v", err)
				}
				t.Cleanup(func() { again.Close() })
				if got, ok := lookup(again, "o_1"); !ok || got.Status != op.want {
					t.Errorf("o_1 replayed from the ledger: %+v (held %v), want %s", got, ok, op.want)
				}
			})
		}
	}
}

// TestCloseDuringCharge proves a charge in flight when the provider closes
// its ledger (after the server's drain timed out) is never answered without
// its record: one already writing its record finishes it before Close
// closes the file and is answered as charged; one that reaches the ledger
// after Close is not made and is answered 503, an unknown outcome.
func TestCloseDuringCharge(t *testing.T) {
	tests := []struct {
		name string
		// holdWrite holds the charge while it writes its record, rather
		// than during its latency, before it touches the ledger.
		holdWrite bool
		wantErr   error
	}{
		{"held writing its record", true, nil},
		{"held before its record", false, shop.ErrPaymentUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ledger.jsonl")
			l := newTestLedger(t, path)
			entered, release := make(chan struct{}), make(chan struct{})
			opts := []ProviderOption{withLedgerWriter(l)}
			if tt.holdWrite {
				l.entered, l.release = entered, release
			} else {
				opts = append(opts, withSleep(func(time.Duration) {
					entered <- struct{}{}
					<-release
				}))
			}
			p, err := NewProvider(opts...)
			if err != nil {
				t.Fatal(err)
			}
			srv, c := serve(t, p)
			type result struct {
				id  string
				err error
			}
			done := make(chan result, 1)
			go func() {
				id, err := c.Charge(context.Background(), "o_1", "tok", 100)
				done <- result{id, err}
			}()
			<-entered

			// The drain times out with the charge still running, and the
			// provider is closed.
			expired, cancel := context.WithCancel(context.Background())
			cancel()
			if err := srv.Config.Shutdown(expired); !errors.Is(err, context.Canceled) {
				t.Fatalf("Shutdown = %v, want it to give up on the running charge", err)
			}
			closed := make(chan error, 1)
			go func() { closed <- p.Close() }()
			var closeErr error
			if !tt.holdWrite {
				closeErr = <-closed // nothing holds the ledger
			}
			close(release)
			res := <-done
			if tt.holdWrite {
				closeErr = <-closed
			}
			if closeErr != nil {
				t.Fatal(closeErr)
			}

			if !errors.Is(res.err, tt.wantErr) || (tt.wantErr == nil) != (res.err == nil) {
				t.Fatalf("Charge = %q, %v; want %v", res.id, res.err, tt.wantErr)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			recorded := strings.Contains(string(data), `"o_1"`)
			if held, _ := lookup(p, "o_1"); recorded != (res.err == nil) || (held.ID != "") != recorded {
				t.Errorf("answered %v; the ledger holds %q and the provider %+v", res.err, data, held)
			}
		})
	}
}
