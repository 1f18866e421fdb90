package loadgen

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// transport is the generator's own HTTP/1.1 RoundTripper for plain http
// URLs. net/http's Transport runs a reader and a writer goroutine per
// connection and hands every request and response between them and the
// caller; on a small VM those wake-ups cost more CPU than the exchange
// itself. Here the calling goroutine writes the request and reads the
// response on a pooled keep-alive connection itself, so the netpoller wakes
// it once per response. It enforces the request timeout through the
// connection's deadline, body included, and cancels through
// context.AfterFunc, so it needs no goroutine at all. Anything else (https,
// CONNECT, Expect: 100-continue) goes to a standard http.Transport.
type transport struct {
	dialer   net.Dialer
	timeout  time.Duration
	maxIdle  int
	fallback *http.Transport

	mu   sync.Mutex
	idle map[string][]*conn // by host:port; the most recently used last
}

func newTransport(maxIdle int, timeout time.Duration) *transport {
	return &transport{
		dialer:  net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second},
		timeout: timeout,
		maxIdle: maxIdle,
		fallback: &http.Transport{
			MaxIdleConnsPerHost:   maxIdle,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
			DisableCompression:    true,
			ResponseHeaderTimeout: timeout,
		},
		idle: map[string][]*conn{},
	}
}

// conn is one kept-alive connection.
type conn struct {
	nc  net.Conn
	br  *bufio.Reader
	bw  *bufio.Writer
	key string
}

// aLongTimeAgo is a deadline in the past, which unblocks a connection's
// pending reads and writes.
var aLongTimeAgo = time.Unix(1, 0)

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" || req.Method == http.MethodConnect || req.Header.Get("Expect") != "" {
		if t.timeout > 0 {
			ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
			resp, err := t.fallback.RoundTrip(req.WithContext(ctx))
			if err != nil {
				cancel()
				return nil, err
			}
			resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
			return resp, nil
		}
		return t.fallback.RoundTrip(req)
	}
	ctx := req.Context()
	key := req.URL.Host
	if req.URL.Port() == "" {
		key = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	deadline, hasDeadline := ctx.Deadline()
	if t.timeout > 0 {
		if d := time.Now().Add(t.timeout); !hasDeadline || d.Before(deadline) {
			deadline, hasDeadline = d, true
		}
	}
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			closeReqBody(req)
			return nil, err
		}
		c, reused, err := t.get(ctx, key, attempt > 0)
		if err != nil {
			closeReqBody(req)
			return nil, err
		}
		resp, err := t.exchange(ctx, c, req, deadline, hasDeadline)
		if err == nil {
			return resp, nil
		}
		// A kept-alive connection the server closed while idle fails at
		// once; send again on a new one if the request can be replayed.
		if !reused || !retryable(err) || !replayable(req) || ctx.Err() != nil {
			closeReqBody(req)
			return nil, err
		}
		if req.Body != nil && req.Body != http.NoBody {
			if req.GetBody == nil {
				return nil, err
			}
			body, gerr := req.GetBody()
			if gerr != nil {
				return nil, err
			}
			req = req.Clone(ctx)
			req.Body = body
		}
	}
}

// exchange writes req on c and reads the response header.
func (t *transport) exchange(ctx context.Context, c *conn, req *http.Request, deadline time.Time, hasDeadline bool) (*http.Response, error) {
	if hasDeadline {
		c.nc.SetDeadline(deadline)
	} else {
		c.nc.SetDeadline(time.Time{})
	}
	stop := context.AfterFunc(ctx, func() { c.nc.SetDeadline(aLongTimeAgo) })
	fail := func(err error) (*http.Response, error) {
		stop()
		c.nc.Close()
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		return nil, err
	}
	if err := req.Write(c.bw); err != nil {
		return fail(err)
	}
	if err := c.bw.Flush(); err != nil {
		return fail(err)
	}
	resp, err := http.ReadResponse(c.br, req)
	if err != nil {
		return fail(err)
	}
	resp.Body = &body{t: t, c: c, rc: resp.Body, stop: stop, keep: !resp.Close && !req.Close, ctx: ctx}
	return resp, nil
}

// retryable reports whether err is how a write to or read from a connection
// the server had already closed fails.
func retryable(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// replayable reports whether req may be sent twice, by net/http's rule: its
// method is idempotent, or it carries an idempotency key. A failed read on a
// reused connection does not prove the server never processed the request,
// so a checkout without a key is never resent.
func replayable(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return req.Header.Get("Idempotency-Key") != "" || req.Header.Get("X-Idempotency-Key") != ""
}

func closeReqBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// get returns an idle connection to key, most recently used first, or dials
// a new one (always, when fresh).
func (t *transport) get(ctx context.Context, key string, fresh bool) (c *conn, reused bool, err error) {
	if !fresh {
		t.mu.Lock()
		if s := t.idle[key]; len(s) > 0 {
			c = s[len(s)-1]
			s[len(s)-1] = nil
			t.idle[key] = s[:len(s)-1]
		}
		t.mu.Unlock()
		if c != nil {
			return c, true, nil
		}
	}
	nc, err := t.dialer.DialContext(ctx, "tcp", key)
	if err != nil {
		return nil, false, err
	}
	return &conn{nc: nc, br: bufio.NewReaderSize(nc, 4096), bw: bufio.NewWriterSize(nc, 4096), key: key}, false, nil
}

// put keeps c for reuse, or closes it if enough are kept.
func (t *transport) put(c *conn) {
	t.mu.Lock()
	if s := t.idle[c.key]; len(s) < t.maxIdle && t.idle != nil {
		t.idle[c.key] = append(s, c)
		t.mu.Unlock()
		return
	}
	t.mu.Unlock()
	c.nc.Close()
}

// CloseIdleConnections closes the connections kept for reuse.
func (t *transport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = map[string][]*conn{}
	t.mu.Unlock()
	for _, s := range idle {
		for _, c := range s {
			c.nc.Close()
		}
	}
	t.fallback.CloseIdleConnections()
}

// body is a response body that returns its connection to the pool once
// read to the end, and closes it otherwise.
type body struct {
	t    *transport
	c    *conn
	rc   io.ReadCloser
	stop func() bool
	ctx  context.Context
	keep bool
	done bool
}

func (b *body) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.rc.Read(p)
	switch {
	case err == io.EOF:
		b.release(true)
	case err != nil:
		b.release(false)
		if cerr := b.ctx.Err(); cerr != nil {
			err = cerr
		}
	}
	return n, err
}

// Close closes the connection unless the body was read to its end.
func (b *body) Close() error {
	if !b.done {
		b.release(b.rc == http.NoBody)
	}
	return nil
}

func (b *body) release(atEOF bool) {
	b.done = true
	if b.stop() && atEOF && b.keep {
		b.c.nc.SetDeadline(time.Time{})
		b.t.put(b.c)
		return
	}
	b.c.nc.Close()
}

// cancelBody releases a request's timeout when its body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
