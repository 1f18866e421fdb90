package scenarios

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/archbench/archbench/faas"
	"github.com/archbench/archbench/results"
)

// cannedStats is a platform's account: two functions, the first with
// provisioned instances, and instance counts for the wall-clock seconds
// 1,700,000,099 to 1,700,000,105.
func cannedStats() faas.Stats {
	return faas.Stats{
		AccountConcurrency: 100, KeepAliveSec: 60,
		Functions: []faas.FunctionStats{{
			Name: "catalog", MemoryMB: 128, Routes: []string{"GET /products", "GET /products/{id}"}, ReservedConcurrency: 10,
			Invocations: 900, Errors: 1, Throttles: 4, ColdStarts: 3,
			InitMs:   faas.InitPercentiles{P50: 120, P99: 250, Max: 260},
			BilledMs: 8000, GBSeconds: faas.GBSeconds(8000, 128), Instances: 2, PeakInstances: 3,
			Provisioned: 2, ProvisionedGBSeconds: faas.GBSeconds(6000, 128),
		}, {
			Name: "notify", MemoryMB: 256, Invocations: 100, ColdStarts: 1, DeadLetters: 2,
			InitMs:   faas.InitPercentiles{P50: 90, P99: 90, Max: 90},
			BilledMs: 2000, GBSeconds: faas.GBSeconds(2000, 256), PeakInstances: 1,
		}},
		Seconds: []faas.InstanceSecond{
			{Unix: 1_700_000_099, Instances: 1, Busy: 1},
			{Unix: 1_700_000_100, Instances: 2, Busy: 1},
			{Unix: 1_700_000_101, Instances: 3, Busy: 2},
			{Unix: 1_700_000_102, Instances: 4, Busy: 4},
			{Unix: 1_700_000_103, Instances: 4, Busy: 2},
			{Unix: 1_700_000_104, Instances: 3, Busy: 1},
			{Unix: 1_700_000_105, Instances: 1, Busy: 0},
		},
	}
}

// serveStats starts a platform stand-in on loopback that answers
// faas.StatsPath with handler.
func serveStats(t *testing.T, handler http.HandlerFunc) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+faas.StatsPath, handler)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestAddPlatform checks that a platform's account lands in the result:
// converted function by function, summed, and its instance counts put in
// the series second that each wall-clock second overlaps most.
func TestAddPlatform(t *testing.T) {
	body, err := json.Marshal(cannedStats())
	if err != nil {
		t.Fatal(err)
	}
	base := serveStats(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	wantFns := []results.PlatformFunction{{
		Name: "catalog", MemoryMB: 128, Routes: []string{"GET /products", "GET /products/{id}"}, ReservedConcurrency: 10,
		Invocations: 900, Errors: 1, Throttles: 4, ColdStarts: 3,
		InitMs:   results.InitPercentiles{P50: 120, P99: 250, Max: 260},
		BilledMs: 8000, GBSeconds: 1, PeakInstances: 3,
		Provisioned: 2, ProvisionedGBSeconds: 0.75,
	}, {
		Name: "notify", MemoryMB: 256, Invocations: 100, ColdStarts: 1, DeadLetters: 2,
		InitMs:   results.InitPercentiles{P50: 90, P99: 90, Max: 90},
		BilledMs: 2000, GBSeconds: 0.5, PeakInstances: 1,
	}}
	wantTotal := results.PlatformTotal{Invocations: 1000, Errors: 1, Throttles: 4, ColdStarts: 4, DeadLetters: 2, BilledMs: 10000, GBSeconds: 1.5}

	tests := []struct {
		name  string
		start time.Time
		// series are the T of the result's seconds; instances and busy are
		// what each should hold afterwards.
		series          []int64
		instances, busy []int
		note            string
	}{
		{"start early in a second rounds down", time.Unix(1_700_000_100, 400e6), []int64{0, 1, 2, 3, 4},
			[]int{2, 3, 4, 4, 3}, []int{1, 2, 4, 2, 1}, ""},
		{"start late in a second rounds up", time.Unix(1_700_000_100, 600e6), []int64{0, 1, 2, 3, 4},
			[]int{3, 4, 4, 3, 1}, []int{2, 4, 2, 1, 0}, ""},
		{"series after a warmup in the same schedule", time.Unix(1_700_000_098, 0), []int64{3, 4, 5},
			[]int{3, 4, 4}, []int{2, 4, 2}, ""},
		{"platform seconds beyond the series are left out", time.Unix(1_700_000_104, 0), []int64{0, 1, 2},
			[]int{3, 1, 0}, []int{1, 0, 0}, ""},
		{"no second in the window", time.Unix(1_700_000_200, 0), []int64{0, 1},
			[]int{0, 0}, []int{0, 0}, "cover none of the measured seconds"},
		{"start unknown", time.Time{}, []int64{0, 1},
			[]int{0, 0}, []int{0, 0}, "did not record when its schedule started"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := results.VariantResult{Variant: "serverless", StartedAt: tt.start}
			for _, sec := range tt.series {
				res.Series = append(res.Series, results.Second{T: sec, Requests: 10})
			}
			if err := addPlatform(context.Background(), base, "platform", &res); err != nil {
				t.Fatal(err)
			}
			p := res.Platform
			if p == nil {
				t.Fatal("no Platform recorded")
			}
			if p.Component != "platform" || p.AccountConcurrency != 100 || p.KeepAliveSec != 60 || !reflect.DeepEqual(p.Functions, wantFns) || p.Total != wantTotal {
				t.Errorf("Platform = %+v\nwant functions %+v, total %+v", *p, wantFns, wantTotal)
			}
			var gotInst, gotBusy []int
			for _, s := range res.Series {
				gotInst, gotBusy = append(gotInst, s.Instances), append(gotBusy, s.BusyInstances)
				if s.Requests != 10 {
					t.Errorf("second %d: %d requests, want the recorder's 10 untouched", s.T, s.Requests)
				}
			}
			if !reflect.DeepEqual(gotInst, tt.instances) || !reflect.DeepEqual(gotBusy, tt.busy) {
				t.Errorf("instances %v, busy %v; want %v, %v", gotInst, gotBusy, tt.instances, tt.busy)
			}
			if notes := strings.Join(res.Notes, "\n"); tt.note == "" && notes != "" || !strings.Contains(notes, tt.note) {
				t.Errorf("notes %q, want one containing %q", res.Notes, tt.note)
			}
		})
	}
}

// TestAddPlatformErrors checks that a platform that cannot account for
// itself fails the run with an error that says where it asked.
func TestAddPlatformErrors(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		name string
		base string
		want string
	}{
		{"HTTP error", serveStats(t, func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "meter broken", http.StatusInternalServerError)
		}), "HTTP 500"},
		{"not JSON", serveStats(t, func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte("<html>"))
		}), "decode"},
		{"no platform there", closed.URL, "platform stats"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := results.VariantResult{StartedAt: time.Unix(1_700_000_100, 0)}
			err := addPlatform(context.Background(), tt.base, "platform", &res)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "platform stats") {
				t.Errorf("addPlatform: %v, want an error containing %q", err, tt.want)
			}
			if res.Platform != nil {
				t.Errorf("Platform = %+v after an error, want none", res.Platform)
			}
		})
	}
}
