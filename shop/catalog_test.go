package shop

import (
	"errors"
	"flag"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestCatalogSpecValidate(t *testing.T) {
	tests := []struct {
		name string
		spec CatalogSpec
		ok   bool
	}{
		{"default", DefaultCatalog, true},
		{"one product", CatalogSpec{Count: 1}, true},
		{"max count", CatalogSpec{Count: 1_000_000}, true},
		{"zero count", CatalogSpec{Count: 0}, false},
		{"negative count", CatalogSpec{Count: -1}, false},
		{"count too big", CatalogSpec{Count: 1_000_001}, false},
		{"fixed stock", CatalogSpec{Count: 3, MinStock: 5, MaxStock: 5}, true},
		{"negative min stock", CatalogSpec{Count: 3, MinStock: -1, MaxStock: 5}, false},
		{"max below min", CatalogSpec{Count: 3, MinStock: 6, MaxStock: 5}, false},
		{"most stock", CatalogSpec{Count: 1_000_000, MinStock: MaxProductStock, MaxStock: MaxProductStock}, true},
		{"stock too big", CatalogSpec{Count: 3, MinStock: 0, MaxStock: MaxProductStock + 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.spec.Validate()
			if tt.ok && err != nil {
				t.Errorf("Validate() = %v, want nil", err)
			}
			if !tt.ok && !errors.Is(err, ErrInvalid) {
				t.Errorf("Validate() = %v, want ErrInvalid", err)
			}
		})
	}
}

// TestProductsDeterministic proves a spec always yields the same catalog, so
// every variant and every run serve the same products.
func TestProductsDeterministic(t *testing.T) {
	spec := CatalogSpec{Count: 200, Seed: 42, MinStock: 10, MaxStock: 1000}
	a, b := spec.Products(), spec.Products()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same spec gave different products")
	}
	other := spec
	other.Seed = 43
	if reflect.DeepEqual(a, other.Products()) {
		t.Fatal("different seeds gave the same products")
	}
	// A longer catalog with the same seed starts with the same products.
	longer := spec
	longer.Count = 300
	if !reflect.DeepEqual(a, longer.Products()[:200]) {
		t.Error("a longer catalog does not extend the shorter one")
	}
}

// TestProductsWellFormed proves IDs are 1..N in order, names are set and
// unique, prices are positive and stock lies within bounds.
func TestProductsWellFormed(t *testing.T) {
	tests := []CatalogSpec{
		{Count: 1, Seed: 0, MinStock: 0, MaxStock: 0},
		{Count: 500, Seed: 7, MinStock: 3, MaxStock: 9},
		{Count: 50, Seed: 1, MinStock: 77, MaxStock: 77},
		DefaultCatalog,
		{Count: 100, Seed: 9, MinStock: 0, MaxStock: math.MaxInt64},
		{Count: 100, Seed: 9, MinStock: math.MaxInt64 - 1, MaxStock: math.MaxInt64},
	}
	for _, spec := range tests {
		ps := spec.Products()
		if len(ps) != spec.Count {
			t.Fatalf("%+v: %d products, want %d", spec, len(ps), spec.Count)
		}
		names := map[string]bool{}
		minSeen, maxSeen := int64(math.MaxInt64), int64(math.MinInt64)
		for i, p := range ps {
			if p.ID != int64(i+1) {
				t.Fatalf("%+v: product %d has ID %d", spec, i, p.ID)
			}
			if p.Name == "" || names[p.Name] {
				t.Fatalf("%+v: product %d has empty or repeated name %q", spec, p.ID, p.Name)
			}
			names[p.Name] = true
			if p.PriceCents <= 0 {
				t.Fatalf("%+v: product %d has price %d", spec, p.ID, p.PriceCents)
			}
			if p.Stock < spec.MinStock || p.Stock > spec.MaxStock {
				t.Fatalf("%+v: product %d has stock %d", spec, p.ID, p.Stock)
			}
			minSeen, maxSeen = min(minSeen, p.Stock), max(maxSeen, p.Stock)
		}
		// With a small range and many products, the draw covers the range.
		if spec.Count >= 500 && spec.MaxStock-spec.MinStock < 10 && (minSeen != spec.MinStock || maxSeen != spec.MaxStock) {
			t.Errorf("%+v: stock spans %d..%d, want the whole range", spec, minSeen, maxSeen)
		}
	}
}

// TestProductsValidSpecNeverPanics proves every spec that passes Validate
// can be generated, including the widest stock range it allows.
func TestProductsValidSpecNeverPanics(t *testing.T) {
	spec := CatalogSpec{Count: 3, MinStock: 0, MaxStock: MaxProductStock}
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if v := recover(); v != nil {
			t.Fatalf("Products panicked on a valid spec: %v", v)
		}
	}()
	spec.Products()
}

func TestParseCatalogSpec(t *testing.T) {
	def := DefaultCatalog
	tests := []struct {
		name, in string
		want     CatalogSpec
		errHas   string // the error names this (the key at fault); "" for no error
	}{
		{"empty is the default", "", def, ""},
		{"blank is the default", "  ", def, ""},
		{"the default's own form", def.String(), def, ""},
		{"every key", "count=10,seed=7,stock=3..9", CatalogSpec{Count: 10, Seed: 7, MinStock: 3, MaxStock: 9}, ""},
		{"stock only", "stock=1000..2000", CatalogSpec{Count: def.Count, Seed: def.Seed, MinStock: 1000, MaxStock: 2000}, ""},
		{"one stock level", "stock=5", CatalogSpec{Count: def.Count, Seed: def.Seed, MinStock: 5, MaxStock: 5}, ""},
		{"no stock", "stock=0..0", CatalogSpec{Count: def.Count, Seed: def.Seed}, ""},
		{"any order, spaces, trailing comma", " seed = 3 , count=2 ,", CatalogSpec{Count: 2, Seed: 3, MinStock: def.MinStock, MaxStock: def.MaxStock}, ""},
		{"largest seed", "seed=18446744073709551615", CatalogSpec{Count: def.Count, Seed: 1<<64 - 1, MinStock: def.MinStock, MaxStock: def.MaxStock}, ""},
		{"unknown key", "count=5,colour=red", CatalogSpec{}, `"colour"`},
		{"no value", "count", CatalogSpec{}, `"count"`},
		{"bad count", "count=many", CatalogSpec{}, "count"},
		{"count out of range", "count=0", CatalogSpec{}, "count"},
		{"count too big", "count=1000001", CatalogSpec{}, "count"},
		{"negative seed", "seed=-1", CatalogSpec{}, "seed"},
		{"seed overflows", "seed=18446744073709551616", CatalogSpec{}, "seed"},
		{"bad stock", "stock=lots", CatalogSpec{}, "stock"},
		{"half a range", "stock=5..", CatalogSpec{}, "stock"},
		{"three ends", "stock=1..2..3", CatalogSpec{}, "stock"},
		{"stock range reversed", "stock=9..3", CatalogSpec{}, "stock"},
		{"negative stock", "stock=-1..3", CatalogSpec{}, "stock"},
		{"a key twice", "seed=1,seed=2", CatalogSpec{}, "seed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCatalogSpec(tt.in)
			if tt.errHas != "" {
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("ParseCatalogSpec(%q) = %v, %v; want ErrInvalid naming %s", tt.in, got, err, tt.errHas)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseCatalogSpec(%q) = %#v, %v; want %#v", tt.in, got, err, tt.want)
			}
		})
	}
}

// TestCatalogVar checks the flag every seeding program takes: absent, the
// default; given, the spec it names; malformed, a parse error naming the
// flag.
func TestCatalogVar(t *testing.T) {
	tests := []struct {
		args []string
		want CatalogSpec
		ok   bool
	}{
		{nil, DefaultCatalog, true},
		{[]string{"-catalog", "stock=10..20"}, CatalogSpec{Count: 1000, Seed: 1, MinStock: 10, MaxStock: 20}, true},
		{[]string{"-catalog=count=5,seed=2,stock=1"}, CatalogSpec{Count: 5, Seed: 2, MinStock: 1, MaxStock: 1}, true},
		{[]string{"-catalog", "stock=20..10"}, CatalogSpec{}, false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			var spec CatalogSpec
			CatalogVar(fs, &spec)
			err := fs.Parse(tt.args)
			if !tt.ok {
				if err == nil || !strings.Contains(err.Error(), "-"+CatalogFlag) {
					t.Fatalf("Parse(%q) = %v, want an error naming -%s", tt.args, err, CatalogFlag)
				}
				return
			}
			if err != nil || spec != tt.want {
				t.Fatalf("Parse(%q): spec %v, %v; want %v", tt.args, spec, err, tt.want)
			}
		})
	}
}
