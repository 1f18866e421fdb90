package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MaxBodyBytes bounds how much of a response body [Session.Do] reads; a
// longer body fails the request.
const MaxBodyBytes = 4 << 20

// coldHeader is the canonical form of the header by which the system under
// test marks a cold-started instance.
const coldHeader = "X-Cold-Start"

// Session is handed to a [Journey] for one iteration: it sends the
// iteration's requests and records one [Result] for each.
//
// A request's Result is held back until the journey has had its chance to
// judge the response: it is emitted when the journey sends its next request
// or when the iteration ends. Until then [Session.Expect] and [Session.Fail]
// mark it failed. If Run returns an error and the last Result is not marked
// yet, the error marks it; if the journey failed before sending any request,
// one Result with an empty Op records the error.
//
// A Session is valid only during the Run call it was passed to and is not
// safe for concurrent use: a journey's requests are sequential, as a user's are.
type Session struct {
	w         *worker
	ctx       context.Context
	journey   string
	scheduled time.Duration
	sent      bool // whether a request of this iteration was sent

	pending    Result
	hasPending bool
}

// BaseURL returns the URL of the system under test, without a trailing
// slash; request paths are appended to it.
func (s *Session) BaseURL() string { return s.w.a.baseURL }

// Rand returns the iteration's random source. It is seeded from the run's
// seed and the iteration's index, so an iteration draws the same numbers in
// every run with the same seed, whichever worker runs it.
func (s *Session) Rand() *rand.Rand { return s.w.rnd }

// Context returns the iteration's context, the one passed to Run; it is
// cancelled when the run is.
func (s *Session) Context() context.Context { return s.ctx }

// NewRequest builds a request for method and BaseURL()+path with the
// iteration's context. body may be nil.
func (s *Session) NewRequest(method, path string, body io.Reader) (*http.Request, error) {
	return http.NewRequestWithContext(s.ctx, method, s.w.a.baseURL+path, body)
}

// Do sends req, reads the whole response body (up to [MaxBodyBytes]) and
// records a Result named op, a route pattern such as "GET /products/{id}".
// It returns the status and body, or an error if no complete response
// arrived; a non-2xx status is not an error here — judge it with
// [Session.Expect]. The body belongs to the caller.
//
// The first request of an iteration is timed from when the iteration was
// due, later ones from when they were sent (see [Result.Latency]).
func (s *Session) Do(req *http.Request, op string) (status int, body []byte, err error) {
	s.flush()
	w := s.w
	sent := w.a.since()
	from := sent
	if !s.sent {
		s.sent = true
		from = s.scheduled
	}
	var cold bool
	resp, err := w.a.client.Do(req)
	if err == nil {
		status = resp.StatusCode
		if v := resp.Header[coldHeader]; len(v) > 0 && strings.EqualFold(v[0], "true") {
			cold = true
		}
		body, err = readBody(resp)
	}
	end := w.a.since()
	w.requests++
	s.pending = Result{
		Journey:   s.journey,
		Op:        op,
		Scheduled: s.scheduled,
		Sent:      sent,
		Latency:   end - from,
		Status:    status,
		Cold:      cold,
	}
	s.hasPending = true
	if err != nil {
		s.pending.Err = transportError(err)
		return status, body, fmt.Errorf("%s: %w", op, err)
	}
	return status, body, nil
}

// Expect marks the last request's Result failed unless status is one of
// want (any 2xx when want is empty), and then returns an error, naming the
// statuses and quoting the start of body, that the journey should return to
// end the iteration. The Result's Err stays short ("status 500, want 201") so
// failures group well; the returned error carries the detail.
func (s *Session) Expect(status int, body []byte, want ...int) error {
	if len(want) == 0 {
		if status >= 200 && status < 300 {
			return nil
		}
	} else {
		for _, w := range want {
			if status == w {
				return nil
			}
		}
	}
	msg := make([]byte, 0, 64)
	msg = append(msg, "status "...)
	msg = strconv.AppendInt(msg, int64(status), 10)
	msg = append(msg, ", want "...)
	if len(want) == 0 {
		msg = append(msg, "2xx"...)
	}
	for i, w := range want {
		if i > 0 {
			msg = append(msg, " or "...)
		}
		msg = strconv.AppendInt(msg, int64(w), 10)
	}
	short := string(msg)
	op := ""
	if s.hasPending {
		s.pending.Err = short
		op = s.pending.Op + ": "
	}
	const quote = 200
	b := strings.TrimSpace(string(body[:min(len(body), quote)]))
	if len(body) > quote {
		b += "…"
	}
	return &ExpectError{Status: status, Msg: op + short + ": " + strconv.Quote(b)}
}

// Fail marks the last request's Result failed with err's message, for a
// response the journey cannot use (say, a body that does not decode), and
// returns err so the journey can return it.
func (s *Session) Fail(err error) error {
	if err == nil {
		return nil
	}
	if s.hasPending {
		s.pending.Err = err.Error()
	}
	return err
}

// ExpectError is returned by [Session.Expect] for an unexpected status.
type ExpectError struct {
	// Status is the status that was received.
	Status int
	// Msg describes the failure: operation, statuses, start of the body.
	Msg string
}

func (e *ExpectError) Error() string { return e.Msg }

// flush emits the pending Result, if any.
func (s *Session) flush() {
	if s.hasPending {
		s.hasPending = false
		s.w.a.emit(s.pending)
	}
}

// finish ends the iteration: err, the journey's error, marks the last Result
// if nothing has marked it yet, and that Result is emitted.
func (s *Session) finish(err error) {
	if err != nil {
		switch {
		case s.hasPending:
			if s.pending.Err == "" {
				s.pending.Err = err.Error()
			}
		case s.ctx.Err() == nil: // a cancelled run is not the target's failure
			s.pending = Result{Journey: s.journey, Scheduled: s.scheduled, Sent: s.w.a.since(), Err: err.Error()}
			s.hasPending = true
		}
	}
	s.flush()
}

// transportError names a failed exchange without the request's URL, which
// holds ids and would spread one failure over many messages.
func transportError(err error) string {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err.Error()
	}
	return err.Error()
}

// readBody reads resp's body to its end, so the connection can be reused,
// and closes it.
func readBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	size := 512
	if cl := resp.ContentLength; cl >= 0 && cl <= MaxBodyBytes {
		size = int(cl) + 1 // +1: room to see io.EOF without growing
	}
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			if len(buf) > MaxBodyBytes {
				return buf[:MaxBodyBytes], fmt.Errorf("response body exceeds %d bytes", MaxBodyBytes)
			}
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := resp.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
