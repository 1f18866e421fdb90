// Package remote is how a service calls another: a Caller makes one
// request/response call, and HTTP implements it with JSON over keep-alive
// connections, balancing round-robin over a peer's replicas. Errors come back
// as the shop's error kinds (shop.ErrNotFound, …), so a caller handles a
// remote failure exactly like a local one. The Caller interface is the seam
// where another transport (gRPC) can be compared later.
package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/operation"
)

// Caller makes one call to a peer: method and path, a request body to send
// as JSON (nil for none), and a value to decode the answer into (nil to
// discard it).
type Caller interface {
	Call(ctx context.Context, method, path string, in, out any) error
}

// ErrUnavailable marks a call that got no answer: the peer is down, slow past
// the timeout, or answered 5xx. It is api.ErrUnavailable, so a service that
// passes it on answers 503.
var ErrUnavailable = api.ErrUnavailable

// HTTP calls a peer over HTTP/JSON.
type HTTP struct {
	peer    string
	urls    []string
	next    atomic.Uint64
	client  *http.Client
	timeout time.Duration
}

// Option configures an HTTP caller.
type Option func(*HTTP)

// WithTimeout bounds each call (default 5 s).
func WithTimeout(d time.Duration) Option { return func(h *HTTP) { h.timeout = d } }

// WithClient sets the HTTP client.
func WithClient(c *http.Client) Option { return func(h *HTTP) { h.client = c } }

// NewHTTP returns a caller of the peer named peer (for error messages) at
// urls, a comma-separated list of replica base URLs as the runtime passes
// them in -peer.
func NewHTTP(peer, urls string, opts ...Option) (*HTTP, error) {
	h := &HTTP{peer: peer, timeout: 5 * time.Second}
	for _, u := range strings.Split(urls, ",") {
		if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
			h.urls = append(h.urls, u)
		}
	}
	if len(h.urls) == 0 {
		return nil, fmt.Errorf("peer %s: no URL", peer)
	}
	for _, o := range opts {
		o(h)
	}
	if h.client == nil {
		h.client = &http.Client{Transport: NewTransport()}
	}
	return h, nil
}

// NewTransport returns the keep-alive transport services use for each other:
// enough idle connections per peer that a busy service does not churn
// sockets into TIME_WAIT.
func NewTransport() *http.Transport {
	return &http.Transport{
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

// Call implements Caller.
func (h *HTTP) Call(ctx context.Context, method, path string, in, out any) error {
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s %s %s: %w", h.peer, method, path, err)
		}
		body = bytes.NewReader(b)
	}
	base := h.urls[(h.next.Add(1)-1)%uint64(len(h.urls))]
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return fmt.Errorf("%s %s %s: %w", h.peer, method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	operation.SetHeader(req.Header, ctx)
	resp, err := h.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s %s: %v: %w", h.peer, method, path, err, ErrUnavailable)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s %s %s: read: %v: %w", h.peer, method, path, err, ErrUnavailable)
	}
	if resp.StatusCode >= 500 {
		return fmt.Errorf("%s %s %s: %w: %w", h.peer, method, path, api.ReadError(resp.StatusCode, data), ErrUnavailable)
	}
	if resp.StatusCode >= 400 {
		err := api.ReadError(resp.StatusCode, data)
		if _, code := api.Classify(err); code == api.CodeInternal {
			// Not the contract's error (a server's plain-text 431, a code
			// this side does not know): the status still says whose fault
			// it is, and a 4xx must not become this side's 500.
			err = fmt.Errorf("%s %s %s: %w: %w", h.peer, method, path, err, kindOf(resp.StatusCode))
		}
		return err
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s %s: decode: %w", h.peer, method, path, err)
		}
	}
	return nil
}

// kindOf is the shop's kind of error for a 4xx status that came without
// one: not found, a conflict, the peer shedding load (429, as a function
// platform's throttle), or else a request the peer refused as invalid.
func kindOf(status int) error {
	switch status {
	case http.StatusNotFound:
		return shop.ErrNotFound
	case http.StatusConflict:
		return shop.ErrConflict
	case http.StatusTooManyRequests:
		return ErrUnavailable
	}
	return shop.ErrInvalid
}

// AddressBook finds a peer's replica URLs by name; the runtime's
// *component.Config is one.
type AddressBook interface {
	Peer(name string) (string, error)
}

// Dial returns a caller of the peer called name in book.
func Dial(book AddressBook, name string, opts ...Option) (*HTTP, error) {
	urls, err := book.Peer(name)
	if err != nil {
		return nil, err
	}
	return NewHTTP(name, urls, opts...)
}
