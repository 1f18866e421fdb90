package sim

import (
	"bytes"
	"context"
	"errors"
	"os"
	"reflect"
	"testing"
	"time"
)

// FuzzParseModel feeds arbitrary bytes to Load: it must never panic, and a
// model it accepts must be valid, survive a round trip through Write and
// Load unchanged, and run briefly without error.
func FuzzParseModel(f *testing.F) {
	for _, name := range []string{"mm1.json", "microservices.json"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	var full bytes.Buffer
	if err := fullModel().Write(&full); err != nil {
		f.Fatal(err)
	}
	f.Add(full.Bytes())
	for _, s := range []string{
		"", "{}", "null", "[]", "{} {}", `{"name":"x","unknown":1}`,
		`{"duration_sec":1e309}`,
		`{"duration_sec":1,"arrivals":{"rate_per_sec":1},"stations":[{"name":"s","servers":1}],"classes":[{"name":"c","weight":1,"route":[{"station":"s","service":{"kind":"exponential","mean_ms":1},"next":[{"prob":1,"to":0}]}]}]}`,
		`{"duration_sec":1,"arrivals":{"bursts":[]},"classes":[]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Load(bytes.NewReader(data))
		if err != nil {
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("Load accepted a model Validate rejects: %v", err)
		}
		var buf bytes.Buffer
		if err := m.Write(&buf); err != nil {
			t.Fatalf("write an accepted model: %v", err)
		}
		again, err := Load(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("reload an accepted model: %v\n%s", err, buf.Bytes())
		}
		if !reflect.DeepEqual(again, m) {
			t.Fatalf("round trip changed the model:\n%+v\n%+v", m, again)
		}
		// A valid model must run without panicking or failing; keep it
		// short, as a valid model may still ask for a long run.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if _, err := Run(ctx, m, WithRequests(100)); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Run an accepted model: %v", err)
		}
	})
}
