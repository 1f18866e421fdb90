package loadgen

import (
	"math"
	"testing"
)

func FuzzParseMix(f *testing.F) {
	for _, s := range []string{
		"browse=70,add-to-cart=20,checkout=10", "browse", "", ",", "=", "browse=", "browse=1e308,checkout=1e308",
		"browse=-0", "browse=0x1p3", "browse=NaN", " browse = 1 ,checkout=2 ", "browse=1,browse=1", "ünïcode=1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		m, err := ParseMix(spec, shop)
		if err != nil {
			if m != nil {
				t.Fatalf("ParseMix(%q) returned a mix with error %v", spec, err)
			}
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("ParseMix(%q) returned an invalid mix: %v", spec, err)
		}
		var total float64
		for _, j := range m {
			total += j.Weight
		}
		if !(total > 0) || math.IsInf(total, 0) {
			t.Fatalf("ParseMix(%q): total weight %v", spec, total)
		}
	})
}
