package shop

import (
	"fmt"
	"math/rand/v2"
)

// Product is an item for sale. Prices are integer cents: money is never a float.
type Product struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	PriceCents int64  `json:"price_cents"`
	// Stock is the quantity available to reserve. Catalog reads report it;
	// only inventory changes it.
	Stock int64 `json:"stock"`
}

// CatalogSpec describes a deterministic catalog: the same spec yields the same
// products on every run and in every variant, so results are comparable.
type CatalogSpec struct {
	// Count is how many products to create, with IDs 1..Count.
	Count int
	// Seed drives names, prices and stock.
	Seed uint64
	// MinStock and MaxStock bound each product's initial stock.
	MinStock, MaxStock int64
}

// DefaultCatalog is the catalog every variant serves unless told otherwise:
// 1,000 products with enough stock that a quick benchmark does not sell out.
var DefaultCatalog = CatalogSpec{Count: 1000, Seed: 1, MinStock: 100_000, MaxStock: 1_000_000}

// maxCatalogCount is the most products a catalog may hold.
const maxCatalogCount = 1_000_000

// MaxProductStock is the most stock a product may be seeded with: a full
// catalog of it sums to 10^18, within int64, so the stock totals that the
// inventory and the data audit add up cannot overflow.
const MaxProductStock = 1_000_000_000_000

// Validate reports the first field of the spec that is out of range.
func (s CatalogSpec) Validate() error {
	switch {
	case s.Count < 1 || s.Count > maxCatalogCount:
		return fmt.Errorf("catalog count must be 1..%d, but is %d: %w", maxCatalogCount, s.Count, ErrInvalid)
	case s.MinStock < 0 || s.MaxStock < s.MinStock || s.MaxStock > MaxProductStock:
		return fmt.Errorf("catalog stock range must satisfy 0 <= min <= max <= %d, but is %d..%d: %w", MaxProductStock, s.MinStock, s.MaxStock, ErrInvalid)
	}
	return nil
}

var (
	adjectives = []string{"Classic", "Compact", "Deluxe", "Eco", "Rugged", "Smart", "Vintage", "Wireless", "Modular", "Portable"}
	nouns      = []string{"Lamp", "Kettle", "Backpack", "Headphones", "Chair", "Notebook", "Blender", "Jacket", "Speaker", "Watch"}
)

// Products returns the catalog the spec describes, ordered by ID.
func (s CatalogSpec) Products() []Product {
	rng := rand.New(rand.NewPCG(s.Seed, s.Seed^0x9e3779b97f4a7c15))
	out := make([]Product, s.Count)
	for i := range out {
		out[i] = Product{
			ID:         int64(i + 1),
			Name:       fmt.Sprintf("%s %s %04d", adjectives[rng.IntN(len(adjectives))], nouns[rng.IntN(len(nouns))], i+1),
			PriceCents: 99 + rng.Int64N(99_900),
			// Uint64N draws the same stream as Int64N but also takes a
			// range as wide as int64 allows (0..MaxInt64, wider than
			// Validate allows), where the int64 count of values overflows.
			Stock: s.MinStock + int64(rng.Uint64N(uint64(s.MaxStock-s.MinStock)+1)),
		}
	}
	return out
}
