package scenarios

import (
	"time"

	"github.com/archbench/archbench/loadgen"
	"github.com/archbench/archbench/results"
)

// phases joins the results of several generator runs (a ramp's steps, a
// fault's windows, a cold-start scenario's bursts) into one recorder on
// one clock. Each run's schedule starts at zero, so its results are
// shifted by when the run began, and the runs' stats are summed, so the
// per-second series is a timeline and the achieved rates are over the
// whole scenario, not its first run.
type phases struct {
	all   *results.Recorder
	start time.Time
	stats loadgen.Stats
}

func newPhases() *phases { return &phases{all: results.NewRecorder()} }

// begin marks the start of a run and returns its offset on the clock,
// which starts with the first run.
func (p *phases) begin() time.Duration {
	if p.start.IsZero() {
		p.start = time.Now()
		return 0
	}
	return time.Since(p.start)
}

// now is the time on the clock.
func (p *phases) now() time.Duration {
	if p.start.IsZero() {
		return 0
	}
	return time.Since(p.start)
}

// add records r from a run that began at offset at.
func (p *phases) add(at time.Duration, r loadgen.Result) {
	r.Scheduled += at
	r.Sent += at
	p.all.Add(r)
}

// end adds a finished run's stats.
func (p *phases) end(st loadgen.Stats) {
	if p.stats.Start.IsZero() {
		p.stats.Start = st.Start
	}
	p.stats.Scheduled += st.Scheduled
	p.stats.Started += st.Started
	p.stats.Dropped += st.Dropped
	p.stats.Late += st.Late
	p.stats.Requests += st.Requests
	p.stats.CPU += st.CPU
	p.stats.MaxLateness = max(p.stats.MaxLateness, st.MaxLateness)
	p.stats.MaxWorkers = max(p.stats.MaxWorkers, st.MaxWorkers)
}

// summary summarises every run recorded, over the wall time from the
// first run's start to now.
func (p *phases) summary(info results.Info) results.VariantResult {
	info.Stats = p.stats
	info.Stats.Elapsed = p.now()
	return p.all.Summary(info)
}
