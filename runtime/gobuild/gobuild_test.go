package gobuild

import (
	"slices"
	"testing"
)

func TestExecNameAndBatches(t *testing.T) {
	names := map[string]string{
		"github.com/x/shop/cmd/monolith":    "monolith",
		"github.com/nats-io/nats-server/v2": "nats-server",
		"example.com/m/v1":                  "v1",
		"example.com/m/v10":                 "m",
		"v2":                                "v2",
		"./cmd/cart":                        "cart",
	}
	for pkg, want := range names {
		if got := ExecName(pkg); got != want {
			t.Errorf("ExecName(%q) = %q, want %q", pkg, got, want)
		}
	}
	got := batches([]string{"x/a/cmd", "x/b/cmd", "x/c", "x/d/cmd", "y/c"})
	want := [][]string{{"x/a/cmd", "x/c"}, {"x/b/cmd", "y/c"}, {"x/d/cmd"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("batches = %v, want %v", got, want)
	}
}
