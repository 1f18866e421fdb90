package loadgen

import "time"

// Result is what happened to one request, or to one iteration that was due
// but could not be started. A run streams Results as they happen, so
// consumers aggregate without the run buffering them.
type Result struct {
	// Journey names the user journey the request belongs to.
	Journey string
	// Op names the operation, a route pattern such as "GET /products/{id}".
	// It is empty on a dropped iteration.
	Op string
	// Scheduled is when the iteration was due, as an offset from the start of
	// the run. The open-loop schedule alone decides it, never a response.
	Scheduled time.Duration
	// Sent is when this request was sent, as an offset from the start of the run.
	Sent time.Duration
	// Latency is measured to the end of the response body from Scheduled for
	// the first request of an iteration, so time spent waiting to be sent
	// counts (no coordinated omission), and from Sent for later requests of
	// the same iteration, which a user makes only after the previous answer.
	Latency time.Duration
	// Status is the HTTP status code, or 0 when no response arrived.
	Status int
	// Err describes a transport failure or a journey's failed expectation; it
	// is empty when the request got the response the journey expected.
	Err string
	// Dropped marks an iteration that was due when no worker was free: it
	// was never sent, and it is counted, not hidden.
	Dropped bool
	// Cold marks a response served by a freshly started instance, where the
	// system under test says so (the serverless platform's X-Cold-Start header).
	Cold bool
}

// Failed reports whether the request counts as an error: no response, a
// failed expectation, or a 5xx status.
func (r Result) Failed() bool { return r.Dropped || r.Err != "" || r.Status == 0 || r.Status >= 500 }
