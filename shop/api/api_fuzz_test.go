package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to DecodeReader for both request bodies.
// It holds the decoder to the contract's "bad input is a 4xx, never a 5xx or
// a crash": it never panics; a value it accepts re-encodes and decodes back to
// itself; a refusal classifies as a client error.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"product_id":1,"quantity":2}`,
		`{"card_token":"tok_visa"}`,
		`{"card_token":"tok_decline"}`,
		``, ` `, `null`, `{}`, `[]`, `"x"`, `1`,
		`{"product_id":1}{"product_id":2}`,
		`{"product_id":"1"}`,
		`{"quantity":1e400}`,
		`{"product_id":-9223372036854775808}`,
		`{"card_token":"\u0000\ud800"}`,
		`{"coupon":1}`,
		`{"product_id":1` + strings.Repeat(" ", 100),
		"\xff\xfe{}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(name string, v any, fresh func() any) {
			err := DecodeReader(bytes.NewReader(data), v)
			if err != nil {
				if status, code := Classify(err); status < 400 || status > 499 || code == "" {
					t.Fatalf("%s: %q: Classify(%v) = %d %q, want a 4xx", name, data, err, status, code)
				}
				return
			}
			enc, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("%s: %q decoded to %+v, which does not re-encode: %v", name, data, v, err)
			}
			back := fresh()
			if err := DecodeReader(bytes.NewReader(enc), back); err != nil {
				t.Fatalf("%s: re-encoded %s does not decode: %v", name, enc, err)
			}
			if enc2, _ := json.Marshal(back); !bytes.Equal(enc, enc2) {
				t.Fatalf("%s: round trip changed %s to %s", name, enc, enc2)
			}
		}
		check("AddItemRequest", new(AddItemRequest), func() any { return new(AddItemRequest) })
		check("CheckoutRequest", new(CheckoutRequest), func() any { return new(CheckoutRequest) })
		if len(data) > MaxBodyBytes {
			return
		}
		// Under the size limit the bounded Decode must agree with DecodeReader.
		if status, _ := Classify(DecodeReader(bytes.NewReader(data), new(CheckoutRequest))); status == http.StatusRequestEntityTooLarge {
			t.Fatalf("%d bytes classified as too large", len(data))
		}
	})
}
