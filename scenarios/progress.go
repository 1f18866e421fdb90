package scenarios

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/archbench/archbench/loadgen"
)

// Progress reports a long run as it goes: which scenario, variant and phase,
// elapsed of total, and the live rate, errors and drops. On a terminal it
// rewrites one line; elsewhere (CI logs, files) it prints a plain line every
// few seconds. A nil *Progress reports nothing.
type Progress struct {
	w        io.Writer
	tty      bool
	every    time.Duration
	scenario string
	variant  string
	rep      string
}

// NewProgress reports to w, rewriting one line if w is a terminal.
func NewProgress(w io.Writer) *Progress {
	p := &Progress{w: w, every: 5 * time.Second}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty, p.every = true, time.Second
		}
	}
	return p
}

// For returns a Progress labelled with the scenario, variant and repetition.
func (p *Progress) For(scenario, variant string, rep, reps int) *Progress {
	if p == nil {
		return nil
	}
	q := *p
	q.scenario, q.variant, q.rep = scenario, variant, ""
	if reps > 1 {
		q.rep = fmt.Sprintf(" run %d/%d", rep, reps)
	}
	return &q
}

// Printf prints a line of its own.
func (p *Progress) Printf(format string, args ...any) {
	if p == nil {
		return
	}
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintf(p.w, format+"\n", args...)
}

// Follow drains results until the channel closes, passing each to add (when
// not nil) and reporting progress through a phase of the given length.
func (p *Progress) Follow(phase string, total time.Duration, results <-chan loadgen.Result, add func(loadgen.Result)) {
	start := time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var n, errs, dropped, lastN int64
	lastPrint, lastTick := start, start
	var rate float64
	for {
		select {
		case r, ok := <-results:
			if !ok {
				p.line(phase, time.Since(start), total, rate, n, errs, dropped, true)
				return
			}
			if add != nil {
				add(r)
			}
			n++
			if r.Dropped {
				dropped++
			} else if r.Failed() {
				errs++
			}
		case now := <-tick.C:
			rate = float64(n-lastN) / now.Sub(lastTick).Seconds()
			lastN, lastTick = n, now
			if p != nil && now.Sub(lastPrint) >= p.every {
				lastPrint = now
				p.line(phase, now.Sub(start), total, rate, n, errs, dropped, false)
			}
		}
	}
}

func (p *Progress) line(phase string, elapsed, total time.Duration, rate float64, n, errs, dropped int64, done bool) {
	if p == nil || (done && !p.tty) {
		return
	}
	remaining := max(total-elapsed, 0)
	msg := fmt.Sprintf("%s %s%s  %-7s %4.0fs/%.0fs (%.0fs left)  %6.0f req/s  %d requests  %d errors  %d dropped",
		p.scenario, p.variant, p.rep, phase, elapsed.Seconds(), total.Seconds(), remaining.Seconds(), rate, n, errs, dropped)
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K"+msg)
		if done {
			fmt.Fprintln(p.w)
		}
		return
	}
	fmt.Fprintln(p.w, msg)
}
