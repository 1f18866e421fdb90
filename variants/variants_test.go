package variants

import (
	"maps"
	"strings"
	"testing"

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
