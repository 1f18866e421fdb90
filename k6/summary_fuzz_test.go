package k6

import (
	"bytes"
	"testing"
)

// FuzzParseSummary holds ParseSummary, and Result over what it accepts, to
// never panicking, whatever k6 (or a damaged file) wrote.
func FuzzParseSummary(f *testing.F) {
	f.Add(readFixture(f))
	for _, s := range []string{
		`{}`,
		`{"metrics": null}`,
		`{"metrics": {"http_reqs{scenario:measured}": {"count": 3, "rate": 1.5}}}`,
		`{"metrics": {"http_reqs{scenario:measured}": {"count": 2},
			"http_req_failed{scenario:measured}": {"passes": 1, "fails": 1, "value": 0.5},
			"http_req_duration{scenario:measured}": {"avg": 1, "p(99)": 2, "thresholds": {"max>=0": true}}}}`,
		`{"metrics": {"http_reqs{scenario:measured}": {"count": 3},
			"http_req_failed{scenario:measured}": {"passes": 1, "fails": 2, "value": 0.333},
			"archbench_unexpected{scenario:measured}": {"count": 2, "rate": 1}}}`,
		`{"metrics": {"iterations{scenario:measured}": {"count": -1e300}}}`,
		`{"metrics": {"x": {"count": "1"}}}`,
		`[1, 2]`,
		`{"metrics": {"x": {"thresholds": null}}} trailing`,
	} {
		f.Add([]byte(s))
	}
	spec := fixtureSpec("http://127.0.0.1:9")
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSummary(bytes.NewReader(data))
		if err != nil {
			return
		}
		if s.Metrics == nil {
			t.Fatal("accepted summary has nil Metrics")
		}
		r, err := s.Result(spec)
		if err != nil {
			return
		}
		if r.Total.Count < 0 || r.Total.Errors > r.Total.Count || r.Achieved.Dropped < 0 {
			t.Fatalf("accepted impossible counts: total %+v, achieved %+v", r.Total, r.Achieved)
		}
	})
}
