package sim

import "github.com/HdrHistogram/hdrhistogram-go"

// sentSeconds keeps, for each second of the run, the outcome of the
// requests that arrived in it, until every one of them has left the
// system: the second is then settled, its percentiles and failures written
// into its Second. A measured series counts the same way (by the second a
// request was sent), so the two compare second by second even under a
// backlog, where requests end seconds after they arrived.
//
// Only the seconds from the oldest with a request still in flight on are
// open, so memory follows the longest latency, not the run's length.
type sentSeconds struct {
	first int          // the second of open[0]
	open  []sentSecond // seconds first, first+1, ...
	spare []*hdrhistogram.Histogram
}

// sentSecond is one open second.
type sentSecond struct {
	hist     *hdrhistogram.Histogram // nil until a request of the second completes
	inFlight int64
	failed   int64
	rejected int64
}

// arrived counts a request that arrived in second sec, which is never
// before a second already opened.
func (ss *sentSeconds) arrived(sec int) {
	if len(ss.open) == 0 {
		ss.first = sec
	}
	for ss.first+len(ss.open) <= sec {
		ss.open = append(ss.open, sentSecond{})
	}
	ss.open[sec-ss.first].inFlight++
}

// at returns the open second sec, of a request that arrived in it and has
// not left yet.
func (ss *sentSeconds) at(sec int) *sentSecond { return &ss.open[sec-ss.first] }

// completed records the latency, in microseconds, of a request of second
// sec that completed, and settles what it leaves done.
func (ss *sentSeconds) completed(sec int, us int64, seconds []Second) {
	o := ss.at(sec)
	if o.hist == nil {
		if n := len(ss.spare); n > 0 {
			o.hist, ss.spare = ss.spare[n-1], ss.spare[:n-1]
		} else {
			o.hist = hdrhistogram.New(1, maxHistUs, secondSigFigs)
		}
	}
	_ = o.hist.RecordValue(us)
	ss.left(sec, o, seconds)
}

// failed counts a request of second sec that failed, or with rejected one
// that was turned away, and settles what it leaves done.
func (ss *sentSeconds) failed(sec int, rejected bool, seconds []Second) {
	o := ss.at(sec)
	if rejected {
		o.rejected++
	} else {
		o.failed++
	}
	ss.left(sec, o, seconds)
}

func (ss *sentSeconds) left(sec int, o *sentSecond, seconds []Second) {
	o.inFlight--
	if o.inFlight == 0 && sec == ss.first {
		ss.settle(seconds, false)
	}
}

// settle writes every open second that has ended (it is in seconds) and
// has no request left in flight into seconds, oldest first, stopping at
// the first that is not done; with all, it writes every second that has
// ended, done or not (the run is over: a request still in flight counts
// in no second's outcome).
func (ss *sentSeconds) settle(seconds []Second, all bool) {
	for len(ss.open) > 0 && ss.first < len(seconds) {
		o := &ss.open[0]
		if o.inFlight > 0 && !all {
			return
		}
		sec := &seconds[ss.first]
		sec.Failed, sec.Rejected = o.failed, o.rejected
		if o.hist != nil {
			sec.P50Ms = float64(o.hist.ValueAtQuantile(50)) / 1000
			sec.P99Ms = float64(o.hist.ValueAtQuantile(99)) / 1000
			o.hist.Reset()
			ss.spare = append(ss.spare, o.hist)
		}
		ss.open[0] = sentSecond{}
		ss.open = ss.open[1:]
		ss.first++
	}
}
