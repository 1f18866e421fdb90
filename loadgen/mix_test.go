package loadgen

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func noop(context.Context, *Session) error { return nil }

// shop is the set of journeys the mix tests choose from.
var shop = []Journey{
	{Name: "browse", Weight: 1, Run: noop},
	{Name: "add-to-cart", Weight: 1, Run: noop},
	{Name: "checkout", Weight: 1, Run: noop},
}

func TestParseMix(t *testing.T) {
	tests := []struct {
		spec    string
		want    map[string]float64 // nil: an error is expected
		errHave []string
	}{
		{spec: "browse=70,add-to-cart=20,checkout=10", want: map[string]float64{"browse": 70, "add-to-cart": 20, "checkout": 10}},
		{spec: " browse = 1.5 , checkout ", want: map[string]float64{"browse": 1.5, "checkout": 1}},
		{spec: "browse=0,checkout=1", want: map[string]float64{"browse": 0, "checkout": 1}},
		{spec: "", errHave: []string{"empty mix", "available journeys: browse, add-to-cart, checkout"}},
		{spec: "browse=70,chekout=30", errHave: []string{`mix entry 2 "chekout=30": unknown journey "chekout"`, "available journeys: browse, add-to-cart, checkout"}},
		{spec: "browse=x", errHave: []string{`mix entry 1 "browse=x": weight "x" is not a finite number`}},
		{spec: "browse=NaN", errHave: []string{`weight "NaN" is not a finite number`}},
		{spec: "browse=1e999", errHave: []string{`weight "1e999" is not a finite number`}},
		{spec: "browse=-1", errHave: []string{`mix entry 1 "browse=-1": weight must be >= 0, but is -1`}},
		{spec: "browse=1,,checkout=1", errHave: []string{"mix entry 2 is empty"}},
		{spec: "=5", errHave: []string{`mix entry 1 "=5": journey name is empty`}},
		{spec: "browse=1,browse=2", errHave: []string{`mix entry 2 "browse=2": journey "browse" already appears in entry 1`}},
		{spec: "browse=0,checkout=0", errHave: []string{"total weight must be a finite number > 0, but is 0"}},
		{spec: "nope=1,browse=-2", errHave: []string{`unknown journey "nope"`, "weight must be >= 0, but is -2"}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			m, err := ParseMix(tt.spec, shop)
			if tt.want == nil {
				if err == nil {
					t.Fatalf("ParseMix(%q) = %v, want an error", tt.spec, m)
				}
				for _, s := range tt.errHave {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseMix(%q): %v", tt.spec, err)
			}
			got := map[string]float64{}
			for _, j := range m {
				if j.Run == nil {
					t.Errorf("journey %q has no Run", j.Name)
				}
				got[j.Name] = j.Weight
			}
			if len(got) != len(tt.want) {
				t.Fatalf("ParseMix(%q) = %v, want %v", tt.spec, got, tt.want)
			}
			for name, w := range tt.want {
				if got[name] != w {
					t.Errorf("weight of %q = %v, want %v", name, got[name], w)
				}
			}
		})
	}
}

func TestMixValidate(t *testing.T) {
	tests := []struct {
		name    string
		mix     Mix
		errHave []string
	}{
		{"ok", Mix{{Name: "a", Weight: 1, Run: noop}}, nil},
		{"empty", nil, []string{"mix must hold at least one journey"}},
		{"bad", Mix{{Name: "", Weight: 1, Run: noop}, {Name: "a", Weight: -1}, {Name: "a", Weight: 1, Run: noop}}, []string{
			"mix[0].name must not be empty",
			`mix[1].weight ("a") must be a finite number >= 0, but is -1`,
			`mix[1].run ("a") must not be nil`,
			`mix[2].name "a" repeats mix[1].name`,
		}},
		{"zero weights", Mix{{Name: "a", Run: noop}}, []string{"total weight must be a finite number > 0, but is 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.mix.Validate()
			if (err != nil) != (tt.errHave != nil) {
				t.Fatalf("Validate() = %v", err)
			}
			for _, s := range tt.errHave {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}
}

func TestChooserRespectsWeights(t *testing.T) {
	m, err := ParseMix("browse=70,add-to-cart=20,checkout=10", shop)
	if err != nil {
		t.Fatal(err)
	}
	c := newChooser(m)
	r := rand.New(rand.NewPCG(1, 2))
	const draws = 200_000
	counts := make([]int, len(m))
	for range draws {
		counts[c.pick(r)]++
	}
	for i, j := range m {
		share := float64(counts[i]) / draws
		if want := j.Weight / 100; math.Abs(share-want) > 0.01 {
			t.Errorf("%s chosen %.3f of the time, want %.2f", j.Name, share, want)
		}
	}
}

func TestChooserZeroWeights(t *testing.T) {
	m := Mix{{Name: "never", Weight: 0, Run: noop}, {Name: "always", Weight: 3, Run: noop}, {Name: "nor", Weight: 0, Run: noop}}
	c := newChooser(m)
	r := rand.New(rand.NewPCG(3, 4))
	for range 10_000 {
		if i := c.pick(r); i != 1 {
			t.Fatalf("picked %q, which has weight 0", m[i].Name)
		}
	}
}
