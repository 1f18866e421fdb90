package payment

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/archbench/archbench/shop"
)

// Client charges through a provider.
type Client struct {
	base    string
	http    *http.Client
	timeout time.Duration
}

// ClientOption configures a Client.
type ClientOption func(*Client)

// WithHTTPClient sets the HTTP client (default: a dedicated keep-alive client).
func WithHTTPClient(c *http.Client) ClientOption { return func(cl *Client) { cl.http = c } }

// WithTimeout bounds one charge attempt (default 2s). A charge that times out
// has an unknown outcome; the caller voids it.
func WithTimeout(d time.Duration) ClientOption { return func(cl *Client) { cl.timeout = d } }

// NewClient returns a client of the provider at baseURL.
func NewClient(baseURL string, opts ...ClientOption) *Client {
	c := &Client{
		base:    baseURL,
		timeout: 2 * time.Second,
		http: &http.Client{Transport: &http.Transport{
			MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 90 * time.Second,
		}},
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Charge asks for amount under an idempotency key. It returns the charge ID,
// or an error matching shop.ErrPaymentDeclined (a final no) or
// shop.ErrPaymentUnavailable (no answer in time, or the provider failed: the
// outcome is unknown until the key is voided).
func (c *Client) Charge(ctx context.Context, key, cardToken string, amountCents int64) (string, error) {
	body, _ := json.Marshal(ChargeRequest{AmountCents: amountCents, CardToken: cardToken, IdempotencyKey: key})
	var ch Charge
	status, err := c.do(ctx, http.MethodPost, "/v1/charges", body, &ch)
	if err != nil {
		return "", fmt.Errorf("charge %s: %v: %w", key, err, shop.ErrPaymentUnavailable)
	}
	switch {
	case status == http.StatusCreated && ch.Status == StatusSucceeded:
		return ch.ID, nil
	case status == http.StatusPaymentRequired || ch.Status == StatusDeclined || ch.Status == StatusVoided:
		return "", fmt.Errorf("charge %s: %w", key, shop.ErrPaymentDeclined)
	case status >= 400 && status < 500:
		// The provider refused the request itself (too large, malformed):
		// nothing was charged, so the outcome is known, as for a decline.
		return "", fmt.Errorf("charge %s: provider refused the request (%d): %w", key, status, shop.ErrPaymentDeclined)
	}
	return "", fmt.Errorf("charge %s: provider answered %d: %w", key, status, shop.ErrPaymentUnavailable)
}

// Void settles key as not charged, refunding a charge that went through. It
// is safe to call for a key the provider never saw.
func (c *Client) Void(ctx context.Context, key string) error {
	status, err := c.do(ctx, http.MethodPost, "/v1/charges/"+url.PathEscape(key)+"/void", nil, nil)
	if err != nil {
		return fmt.Errorf("void %s: %w", key, err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("void %s: provider answered %d", key, status)
	}
	return nil
}

// Charges lists every charge the provider holds, for the data audit.
func (c *Client) Charges(ctx context.Context) ([]Charge, error) {
	var out struct {
		Charges []Charge `json:"charges"`
	}
	status, err := c.do(ctx, http.MethodGet, "/v1/charges", nil, &out)
	if err != nil {
		return nil, fmt.Errorf("list charges: %w", err)
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("list charges: provider answered %d", status)
	}
	return out.Charges, nil
}

func (c *Client) do(ctx context.Context, method, path string, body []byte, out any) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return 0, err
	}
	if out != nil && len(data) > 0 && resp.StatusCode < 500 {
		if err := json.Unmarshal(data, out); err != nil && resp.StatusCode < 400 {
			return 0, fmt.Errorf("decode %s %s: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}
