package cost

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to Load: it must never panic, and a table
// it accepts must be valid, survive a round trip through JSON, and price
// the hand-checked results to a finite figure or a clear error.
func FuzzLoad(f *testing.F) {
	f.Add(DefaultFile())
	for _, s := range []string{
		"", "{}", "null", "[]", `"USD"`, "{} {}",
		`{"currency":"USD","functions":{"gb_second_usd":-1}}`,
		`{"currency":"USD","unknown":1}`,
		`{"vm":{"vcpus":1e309}}`,
		string(DefaultFile()) + "garbage",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Load(bytes.NewReader(data))
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("Load accepted a table Validate rejects: %v", err)
		}
		enc, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("marshal an accepted table: %v", err)
		}
		again, err := Load(bytes.NewReader(enc))
		if err != nil {
			t.Fatalf("reload an accepted table: %v\n%s", err, enc)
		}
		if again != p {
			t.Fatalf("round trip changed the table:\n%+v\n%+v", p, again)
		}
		for _, v := range []func() Estimate{
			func() Estimate { e, _ := Of(serverlessResult(), p); return e },
			func() Estimate { e, _ := Of(provisionedResult(), p, WithVMs()); return e },
		} {
			e := v()
			if math.IsNaN(e.PerMillionUSD) || math.IsInf(e.PerMillionUSD, 0) || e.PerMillionUSD < 0 {
				t.Fatalf("PerMillionUSD = %g", e.PerMillionUSD)
			}
		}
	})
}
