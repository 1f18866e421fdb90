package shop

import (
	"errors"
	"testing"
)

// FuzzParseCatalogSpec: ParseCatalogSpec never panics; what it accepts is
// valid and survives a round trip through String; what it refuses is
// ErrInvalid.
func FuzzParseCatalogSpec(f *testing.F) {
	for _, s := range []string{
		"", DefaultCatalog.String(), "count=1000,seed=1,stock=100000..1000000", "stock=1000..2000", "stock=5",
		"count=0", "count=+7,seed=007", "stock=-1..5", "stock=9..3", "stock=..", "stock=1..2..3", "seed=18446744073709551616",
		"count=1,count=2", "colour=red", "=", ",", "count", " count = 3 , ", "stock=0..9223372036854775807",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spec, err := ParseCatalogSpec(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseCatalogSpec(%q) error %v does not wrap ErrInvalid", s, err)
			}
			if spec != (CatalogSpec{}) {
				t.Fatalf("ParseCatalogSpec(%q) returned %#v with error %v", s, spec, err)
			}
			return
		}
		if err := spec.Validate(); err != nil {
			t.Fatalf("ParseCatalogSpec(%q) = %#v, which is invalid: %v", s, spec, err)
		}
		again, err := ParseCatalogSpec(spec.String())
		if err != nil || again != spec {
			t.Fatalf("ParseCatalogSpec(%q) = %#v, but its String %q parses to %#v, %v", s, spec, spec.String(), again, err)
		}
	})
}
