package shop

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
)

// CatalogFlag is the name of the flag by which every program that seeds a
// catalog takes its spec (see CatalogVar).
const CatalogFlag = "catalog"

// catalogKeys are the keys of a spec's text form, in the order String
// writes them.
var catalogKeys = []string{"count", "seed", "stock"}

// ParseCatalogSpec reads a spec in the text form String writes,
// "count=1000,seed=1,stock=100000..1000000": comma-separated key=value
// pairs, each key optional and at most once, a missing one taken from
// DefaultCatalog; stock is MIN..MAX, or N for exactly N. The empty string
// is DefaultCatalog. Every problem is reported, each naming its key, and the
// result passes Validate; errors wrap ErrInvalid.
func ParseCatalogSpec(s string) (CatalogSpec, error) {
	spec := DefaultCatalog
	var problems []string
	seen := map[string]bool{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, value, ok := strings.Cut(part, "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%q: want key=value with a key among %s", part, strings.Join(catalogKeys, ", ")))
			continue
		case seen[key]:
			problems = append(problems, fmt.Sprintf("%s: given more than once", key))
			continue
		}
		seen[key] = true
		var err error
		want := ""
		switch key {
		case "count":
			spec.Count, err = strconv.Atoi(value)
			want = fmt.Sprintf("want an integer 1..%d", maxCatalogCount)
		case "seed":
			spec.Seed, err = strconv.ParseUint(value, 10, 64)
			want = "want an integer 0..18446744073709551615"
		case "stock":
			spec.MinStock, spec.MaxStock, err = parseStockRange(value)
			want = fmt.Sprintf("want MIN..MAX or N, integers 0..%d", MaxProductStock)
		default:
			problems = append(problems, fmt.Sprintf("%q: unknown key (known: %s)", key, strings.Join(catalogKeys, ", ")))
			continue
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %q: %s", key, value, want))
		}
	}
	if len(problems) > 0 {
		return CatalogSpec{}, fmt.Errorf("catalog spec %q: %s: %w", s, strings.Join(problems, "; "), ErrInvalid)
	}
	if err := spec.Validate(); err != nil {
		return CatalogSpec{}, fmt.Errorf("catalog spec %q: %w", s, err)
	}
	return spec, nil
}

// parseStockRange reads MIN..MAX, or N for N..N.
func parseStockRange(v string) (lo, hi int64, err error) {
	a, b, isRange := strings.Cut(v, "..")
	if lo, err = strconv.ParseInt(strings.TrimSpace(a), 10, 64); err != nil {
		return 0, 0, err
	}
	if !isRange {
		return lo, lo, nil
	}
	if hi, err = strconv.ParseInt(strings.TrimSpace(b), 10, 64); err != nil {
		return 0, 0, err
	}
	return lo, hi, nil
}

// String writes the spec in the text form ParseCatalogSpec reads, every key
// given.
func (s CatalogSpec) String() string {
	return fmt.Sprintf("count=%d,seed=%d,stock=%d..%d", s.Count, s.Seed, s.MinStock, s.MaxStock)
}

// Set replaces the spec with the one ParseCatalogSpec reads from v (keys
// left out taking DefaultCatalog's values, not the spec's former ones), so
// that *CatalogSpec is a flag.Value.
func (s *CatalogSpec) Set(v string) error {
	spec, err := ParseCatalogSpec(v)
	if err != nil {
		return err
	}
	*s = spec
	return nil
}

// CatalogVar defines the -catalog flag (CatalogFlag) in fs, through which a
// program that seeds a catalog takes its spec. It sets *spec to
// DefaultCatalog, the flag's default, at once.
func CatalogVar(fs *flag.FlagSet, spec *CatalogSpec) {
	*spec = DefaultCatalog
	fs.Var(spec, CatalogFlag, "the `catalog` to seed, as count=N,seed=N,stock=MIN..MAX; keys left out keep the default's value")
}
