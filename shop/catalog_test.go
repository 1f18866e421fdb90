package shop

import (
	"errors"
	"math"
	"reflect"
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
// can be generated, including a stock range as wide as int64 allows.
func TestProductsValidSpecNeverPanics(t *testing.T) {
	spec := CatalogSpec{Count: 3, MinStock: 0, MaxStock: math.MaxInt64}
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
