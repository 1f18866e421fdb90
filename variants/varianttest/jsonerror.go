package varianttest

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/archbench/archbench/shop/api"
)

// JSONError sends a bodyless method request for path to the server at base,
// without following redirects, and fails the test unless the answer is
// status with the contract's JSON error of code and a message: what every
// variant answers to a request it refuses, never a redirect or HTML.
func JSONError(t *testing.T, base, method, path string, status int, code string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != status {
		t.Fatalf("%s %s: status %d (Location %q, body %q), want %d", method, path, resp.StatusCode, resp.Header.Get("Location"), body, status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q, want application/json", method, path, ct)
	}
	var eb api.ErrorBody
	if err := json.Unmarshal(body, &eb); err != nil || eb.Error.Code != code || eb.Error.Message == "" {
		t.Errorf("%s %s: body %q (%v), want a JSON error with code %q and a message", method, path, body, err, code)
	}
}
