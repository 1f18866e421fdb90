package variants

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/archbench/archbench/runtime"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/httpapi"
)

// publicRoutes are the operations every variant serves and declares hops for.
var publicRoutes = []string{
	httpapi.RouteListProducts, httpapi.RouteGetProduct, httpapi.RouteCreateCart, httpapi.RouteGetCart,
	httpapi.RouteAddItem, httpapi.RouteRemoveItem, httpapi.RouteCheckout, httpapi.RouteGetOrder, httpapi.RouteNotifications,
}

// TestVariantsAreComplete checks what the harness relies on for every
// registered variant: a valid plan with the payment provider under its
// shared name, audit sources that are components of the plan, and a hop
// count for every public operation.
func TestVariantsAreComplete(t *testing.T) {
	for _, v := range All() {
		t.Run(v.Name, func(t *testing.T) {
			p, err := v.Plan(Env{})
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			if _, err := v.Plan(Env{Replicas: map[string]int{"no-such-component": 2}}); err == nil {
				t.Error("plan with replicas of an unknown component: no error")
			}
			names := map[string]bool{}
			for _, c := range p.Components {
				names[c.Name] = true
			}
			if !names[PSPName] {
				t.Errorf("plan has no %q component", PSPName)
			}
			if len(v.AuditSources) == 0 {
				t.Error("no audit sources")
			}
			for _, s := range v.AuditSources {
				if !names[s] {
					t.Errorf("audit source %q is not a component of the plan", s)
				}
			}
			for capability, hosts := range v.Hosts {
				for _, h := range hosts {
					if !names[h] {
						t.Errorf("hosts[%s]: %q is not a component of the plan", capability, h)
					}
				}
			}
			if len(v.Hosts["payment"]) == 0 {
				t.Error("no host for the payment capability, which every variant has")
			}
			if v.Platform != "" && !names[v.Platform] {
				t.Errorf("platform %q is not a component of the plan", v.Platform)
			}
			for _, r := range publicRoutes {
				if n, ok := v.Hops[r]; !ok || n < 0 {
					t.Errorf("hops for %q: %d, %v; want a count ≥ 0", r, n, ok)
				}
			}
		})
	}
}

// TestPlanPassesCatalog checks that Env.Catalog reaches, as -catalog, every
// component that seeds a catalog (products in one, stock in another, both
// alike) and no other component, and that the zero Env passes no -catalog.
func TestPlanPassesCatalog(t *testing.T) {
	// The components whose programs seed the shop's catalog, by variant:
	// those that open a local.Shop (not Attached) or the catalog or
	// inventory service's database.
	seeders := map[string][]string{
		"monolith":      {"monolith"},
		"microservices": {"catalog", "inventory"},
		"serverless":    {"serverless"}, // the platform, which seeds the database its instances attach to
		"hybrid":        {"catalog", "core"},
	}
	spec := shop.CatalogSpec{Count: 60, Seed: 9, MinStock: 10, MaxStock: 20}
	for _, v := range All() {
		t.Run(v.Name, func(t *testing.T) {
			want, ok := seeders[v.Name]
			if !ok {
				t.Fatalf("no expected seeders for variant %q: add them to this test", v.Name)
			}
			if got := slices.Sorted(slices.Values(v.Seeders)); !slices.Equal(got, want) {
				t.Errorf("Seeders = %v, want %v", got, want)
			}
			// With KeepAlive too where it applies, so that both reach the
			// platform of a variant whose platform seeds.
			env := Env{Catalog: spec}
			if v.Platform != "" {
				env.KeepAlive = time.Minute
			}
			p, err := v.Plan(env)
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			var got []string
			for _, c := range p.Components {
				i := slices.Index(c.Args, "-"+shop.CatalogFlag)
				if i < 0 {
					continue
				}
				got = append(got, c.Name)
				if i+1 >= len(c.Args) {
					t.Fatalf("%s: -catalog without a value: %q", c.Name, c.Args)
				}
				if parsed, err := shop.ParseCatalogSpec(c.Args[i+1]); err != nil || parsed != spec {
					t.Errorf("%s: -catalog %q parses to %v, %v; want %v", c.Name, c.Args[i+1], parsed, err, spec)
				}
				if slices.Contains(c.Args[i+1:], "-"+shop.CatalogFlag) {
					t.Errorf("%s: -catalog passed twice: %q", c.Name, c.Args)
				}
				if c.Name == v.Platform && !slices.Contains(c.Args, "-keep-alive") {
					t.Errorf("%s: -keep-alive lost next to -catalog: %q", c.Name, c.Args)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("-catalog passed to %v, want %v exactly", got, want)
			}

			p, err = v.Plan(Env{})
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			for _, c := range p.Components {
				if slices.Contains(c.Args, "-"+shop.CatalogFlag) {
					t.Errorf("the zero Env passed -catalog to %s: %q", c.Name, c.Args)
				}
			}
			if _, err := v.Plan(Env{Catalog: shop.CatalogSpec{Count: 1, MinStock: 5, MaxStock: 1}}); !errors.Is(err, shop.ErrInvalid) {
				t.Errorf("plan with an invalid catalog: %v, want shop.ErrInvalid", err)
			}
		})
	}
}

// TestWritersAreComponents checks that each variant names, as Writers,
// exactly the components that serve a SQLite database's writer counts,
// each a component of its plan, so that a bench can sample them all at
// sqlstore.WriterPath.
func TestWritersAreComponents(t *testing.T) {
	// The components whose programs open a database and serve its
	// writer, by variant. The serverless variant's database is written
	// by function instances, which come and go with the load: its
	// platform serves the sum of theirs.
	writers := map[string][]string{
		"monolith":      {"monolith"},
		"microservices": {"cart", "catalog", "inventory", "notifications", "orders", "payments"},
		"serverless":    {"serverless"},
		"hybrid":        {"catalog", "core"},
	}
	for _, v := range All() {
		t.Run(v.Name, func(t *testing.T) {
			want, ok := writers[v.Name]
			if !ok {
				t.Fatalf("no expected writers for variant %q: add them to this test", v.Name)
			}
			if got := slices.Sorted(slices.Values(v.Writers)); !slices.Equal(got, want) {
				t.Errorf("Writers = %v, want %v", got, want)
			}
			p, err := v.Plan(Env{})
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			for _, w := range v.Writers {
				if !slices.ContainsFunc(p.Components, func(c runtime.Component) bool { return c.Name == w }) {
					t.Errorf("writer %q is not a component of the plan", w)
				}
			}
		})
	}
}

// TestSeededCatalog checks that the catalog load is aimed at is the one
// set, or the default when none is.
func TestSeededCatalog(t *testing.T) {
	spec := shop.CatalogSpec{Count: 60, Seed: 9, MinStock: 10, MaxStock: 20}
	for _, tc := range []struct {
		name string
		env  Env
		want shop.CatalogSpec
	}{
		{"unset", Env{}, shop.DefaultCatalog},
		{"set", Env{Catalog: spec}, spec},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.env.SeededCatalog(); got != tc.want {
				t.Errorf("SeededCatalog() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{"all", strings.Join(Names(), ","), ""},
		{"monolith", "monolith", ""},
		{" monolith , monolith,", "monolith", ""},
		{"microservices,monolith", "microservices,monolith", ""},
		{"monolith,nope", "", `unknown variant "nope"`},
		{"", "", "no variant"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		var names []string
		for _, v := range got {
			names = append(names, v.Name)
		}
		if strings.Join(names, ",") != tt.want {
			t.Errorf("Parse(%q) = %v, want %s", tt.in, names, tt.want)
		}
	}
}

func TestParseReplicas(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]int
		ok   bool
	}{
		{"", map[string]int{}, true},
		{"catalog=2", map[string]int{"catalog": 2}, true},
		{" catalog = 2 , cart=3,", map[string]int{"catalog": 2, "cart": 3}, true},
		{"catalog", nil, false},
		{"catalog=0", nil, false},
		{"catalog=65", nil, false},
		{"catalog=x", nil, false},
		{"=2", nil, false},
		{"cart=2,cart=3", nil, false},
	}
	for _, tt := range tests {
		got, err := ParseReplicas(tt.in)
		if (err == nil) != tt.ok || (tt.ok && !maps.Equal(got, tt.want)) {
			t.Errorf("ParseReplicas(%q) = %v, %v; want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
