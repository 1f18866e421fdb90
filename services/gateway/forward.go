package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/operation"
)

// copyBufferSize is the size of the pooled buffers that carry response
// bodies back to the client: a product page fits in one.
const copyBufferSize = 16 << 10

// maxErrorBody bounds how much of a service's 5xx answer the gateway holds
// to pass it on.
const maxErrorBody = 1 << 20

// engine is what every route's forwarder shares.
type engine struct {
	transport  http.RoundTripper
	log        *slog.Logger
	maxRetries int
	backoffMin time.Duration
	backoffMax time.Duration
	bufs       sync.Pool // of *[]byte, copyBufferSize long
}

// forwarder serves one public route by calling the service that owns it.
type forwarder struct {
	e       *engine
	svc     *downstream
	timeout time.Duration
	keyed   bool // the route deduplicates by Idempotency-Key (see idempotent)
}

func newForwarder(e *engine, svc *downstream, timeout time.Duration, keyed bool) *forwarder {
	return &forwarder{e: e, svc: svc, timeout: timeout, keyed: keyed}
}

// failure is an answer the gateway gives instead of a service's success:
// either a service's own 5xx error, kept as it came, or an error of the
// gateway's (body nil).
type failure struct {
	status      int
	code        string
	message     string
	contentType []string
	body        []byte
	// retry says another attempt could do better.
	retry bool
	// answered says the service itself answered, with its own JSON error
	// (body not nil): the call failed, but the service is alive, so its
	// breaker counts no failure.
	answered bool
}

func (f *failure) write(w http.ResponseWriter) {
	if f.body != nil {
		w.Header()["Content-Type"] = f.contentType
		w.Header()["Content-Length"] = []string{strconv.Itoa(len(f.body))}
		w.WriteHeader(f.status)
		_, _ = w.Write(f.body)
		return
	}
	api.WriteJSON(w, f.status, api.ErrorBody{Error: api.ErrorDetail{Code: f.code, Message: f.message}})
}

func (fw *forwarder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, fail := readBody(w, r)
	if fail != nil {
		fail.write(w)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), fw.timeout)
	defer cancel() // after the body is copied: the deadline covers it too
	resp, fail := fw.call(ctx, r, body)
	if fail != nil {
		fail.write(w)
		return
	}
	fw.relay(w, r, resp)
}

// readBody buffers the request body, at most api.MaxBodyBytes, so that a
// retry can send it again. A bigger body is refused without calling the
// service.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, *failure) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > api.MaxBodyBytes {
		return nil, tooLarge()
	}
	body := http.MaxBytesReader(w, r.Body, api.MaxBodyBytes)
	var (
		b   []byte
		err error
	)
	if r.ContentLength >= 0 {
		// The server holds the body to its Content-Length.
		b = make([]byte, r.ContentLength)
		_, err = io.ReadFull(body, b)
	} else {
		b, err = io.ReadAll(body)
	}
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, tooLarge()
		}
		return nil, &failure{status: http.StatusBadRequest, code: api.CodeInvalidArgument,
			message: fmt.Sprintf("read request body: %v", err)}
	}
	return b, nil
}

func tooLarge() *failure {
	return &failure{status: http.StatusRequestEntityTooLarge, code: api.CodeBodyTooLarge,
		message: fmt.Sprintf("request body is larger than %d bytes", api.MaxBodyBytes)}
}

// idempotent reports whether r may be sent twice: a read, or a request
// with an Idempotency-Key on a route whose service deduplicates by it
// (checkout). A key on any other route is not honoured by the service, so
// a retry after a dropped connection could, say, add an item twice.
func (fw *forwarder) idempotent(r *http.Request) bool {
	return r.Method == http.MethodGet || r.Method == http.MethodHead || (fw.keyed && r.Header.Get(api.IdempotencyKeyHeader) != "")
}

// call sends r to the service, retrying an idempotent call on the next
// replica while the breaker, the retry budget and the deadline allow. It
// returns the service's answer below 500, or the failure to answer with.
func (fw *forwarder) call(ctx context.Context, r *http.Request, body []byte) (*http.Response, *failure) {
	svc := fw.svc
	svc.budget.onRequest()
	first := svc.next.Add(1) - 1
	n := uint64(len(svc.replicas))
	var last *failure
	for attempt := 0; ; attempt++ {
		done, err := svc.breaker.Allow()
		if err != nil {
			if last != nil {
				return nil, last
			}
			return nil, &failure{status: http.StatusServiceUnavailable, code: api.CodeUnavailable,
				message: svc.name + " unavailable (circuit open)"}
		}
		resp, fail := fw.try(ctx, r, svc.replicas[(first+uint64(attempt))%n], body)
		switch {
		case fail == nil:
			done(nil)
			return resp, nil
		case fail.answered:
			done(nil) // an error of the service's own, such as 503 payment_unavailable, is no outage
		case r.Context().Err() != nil:
			done(errAbandoned)
			return nil, fail
		default:
			done(errFailed)
		}
		fw.e.log.Debug("call failed", "service", svc.name, "method", r.Method, "path", r.URL.Path,
			"attempt", attempt+1, "status", fail.status, "message", fail.message)
		last = fail
		if !fail.retry || attempt >= fw.e.maxRetries || !fw.idempotent(r) ||
			isOpen(svc.breaker) || !svc.budget.withdraw() {
			return nil, last
		}
		if !fw.e.pause(ctx) {
			return nil, last
		}
	}
}

// try makes one attempt at base. It returns the service's answer below 500,
// or the failure to answer with.
func (fw *forwarder) try(ctx context.Context, r *http.Request, base *url.URL, body []byte) (*http.Response, *failure) {
	resp, err := fw.e.transport.RoundTrip(outbound(ctx, r, base, body))
	if err != nil {
		return nil, fw.noAnswer(ctx, r, err)
	}
	if resp.StatusCode < http.StatusInternalServerError {
		return resp, nil
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if err != nil {
		return nil, fw.noAnswer(ctx, r, err)
	}
	retry := resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusServiceUnavailable ||
		resp.StatusCode == http.StatusGatewayTimeout
	if ct := resp.Header["Content-Type"]; isErrorBody(ct, data) {
		// The service's own error, such as 503 payment_unavailable naming
		// the order a checkout left behind: passed on byte for byte. Only
		// the generic "unavailable" (this replica cannot serve now: it
		// drains, or its own peer is down) is worth another replica; a
		// more specific code is the request's outcome, which a retry
		// would only meet again, or, for a checkout whose order is still
		// settling, turn into a 409 for the key in use.
		retry = retry && errorCode(data) == api.CodeUnavailable
		return nil, &failure{status: resp.StatusCode, contentType: ct, body: data, retry: retry, answered: true}
	}
	return nil, &failure{status: http.StatusBadGateway, code: api.CodeUnavailable, retry: retry,
		message: fmt.Sprintf("%s failed: status %d without a JSON error", fw.svc.name, resp.StatusCode)}
}

// noAnswer is the failure for a call that got no (complete) answer.
func (fw *forwarder) noAnswer(ctx context.Context, r *http.Request, err error) *failure {
	switch {
	case r.Context().Err() != nil:
		return &failure{status: http.StatusServiceUnavailable, code: api.CodeUnavailable,
			message: "the client went away before " + fw.svc.name + " answered"}
	case ctx.Err() != nil:
		return &failure{status: http.StatusGatewayTimeout, code: api.CodeUnavailable,
			message: fmt.Sprintf("%s did not answer within %s", fw.svc.name, fw.timeout)}
	}
	return &failure{status: http.StatusBadGateway, code: api.CodeUnavailable, retry: true,
		message: fmt.Sprintf("%s unavailable: %v", fw.svc.name, err)}
}

// outbound is the request to send to the replica at base: r's method, path,
// query, body and the headers a service reads.
func outbound(ctx context.Context, r *http.Request, base *url.URL, body []byte) *http.Request {
	u := &url.URL{Scheme: base.Scheme, Host: base.Host, Path: base.Path + r.URL.Path, RawQuery: r.URL.RawQuery}
	if r.URL.RawPath != "" {
		u.RawPath = base.EscapedPath() + r.URL.RawPath
	}
	// The request headers a service reads; no other reaches it. The
	// operation goes on too (set by httpapi.Harden: the public route the
	// gateway matched).
	forwarded := [...]string{"Content-Type", "Accept", api.IdempotencyKeyHeader}
	h := make(http.Header, len(forwarded)+1)
	for _, k := range forwarded {
		if v := r.Header[k]; len(v) > 0 {
			h[k] = v
		}
	}
	operation.SetHeader(h, ctx)
	out := &http.Request{
		Method:     r.Method,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     h,
		Host:       base.Host,
	}
	if body != nil {
		out.ContentLength = int64(len(body))
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return out.WithContext(ctx)
}

// relay copies a service's answer to the client: status, Content-Type and
// body.
func (fw *forwarder) relay(w http.ResponseWriter, r *http.Request, resp *http.Response) {
	defer resp.Body.Close()
	h := w.Header()
	if ct := resp.Header["Content-Type"]; len(ct) > 0 {
		h["Content-Type"] = ct
	}
	if resp.ContentLength > 0 {
		h["Content-Length"] = []string{strconv.FormatInt(resp.ContentLength, 10)}
	}
	w.WriteHeader(resp.StatusCode)
	bp := fw.e.bufs.Get().(*[]byte)
	defer fw.e.bufs.Put(bp)
	buf := *bp
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return // the client went away
			}
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			// The status is sent: all that is left is to cut the answer
			// short, which the client sees as a body shorter than its
			// Content-Length.
			fw.e.log.Warn("relay answer", "service", fw.svc.name, "method", r.Method, "path", r.URL.Path, "err", err)
			return
		}
	}
}

// isErrorBody reports whether an answer with Content-Type ct and body data
// is an error in the contract's own words: JSON holding the error envelope
// (api.ErrorBody) with a code, as every service writes with api.WriteError.
// A 5xx such as that comes from the service's code, running; an empty, HTML
// or garbled one comes from somewhere else (a proxy, a dying process).
func isErrorBody(ct []string, data []byte) bool {
	return isJSON(ct) && errorCode(data) != ""
}

// errorCode returns the code of the contract's JSON error in data, or ""
// if data is not one.
func errorCode(data []byte) string {
	var eb api.ErrorBody
	if json.Unmarshal(data, &eb) != nil {
		return ""
	}
	return eb.Error.Code
}

// isJSON reports whether a Content-Type header names JSON.
func isJSON(ct []string) bool {
	if len(ct) == 0 {
		return false
	}
	mt, _, err := mime.ParseMediaType(ct[0])
	return err == nil && mt == "application/json"
}

// pause waits a random backoff before a retry, reporting false if ctx ends
// first.
func (e *engine) pause(ctx context.Context) bool {
	d := e.backoffMin
	if e.backoffMax > e.backoffMin {
		d += rand.N(e.backoffMax - e.backoffMin)
	}
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
