package runtime

import (
	"strings"
	"testing"
)

func comp(name string, peers ...string) Component {
	return Component{Name: name, Package: "example.com/" + name, Peers: peers}
}

func TestPlanValidate(t *testing.T) {
	tests := []struct {
		name    string
		plan    Plan
		wantErr string // empty: valid
	}{
		{"valid chain", Plan{Variant: "v", Entry: "gw", Components: []Component{comp("gw", "a"), comp("a", "b"), comp("b")}}, ""},
		{"entry missing", Plan{Variant: "v", Entry: "nope", Components: []Component{comp("a")}}, `entry "nope" is not a component`},
		{"duplicate", Plan{Variant: "v", Entry: "a", Components: []Component{comp("a"), comp("a")}}, `"a" appears twice`},
		{"no package", Plan{Variant: "v", Entry: "a", Components: []Component{{Name: "a"}}}, "needs a name and a package"},
		{"negative replicas", Plan{Variant: "v", Entry: "a", Components: []Component{{Name: "a", Package: "p", Replicas: -1}}}, "replicas must be >= 0"},
		{"unknown peer", Plan{Variant: "v", Entry: "a", Components: []Component{comp("a", "ghost")}}, `unknown peer "ghost"`},
		{"cycle", Plan{Variant: "v", Entry: "a", Components: []Component{comp("a", "b"), comp("b", "c"), comp("c", "a")}}, "cycle"},
		{"self peer", Plan{Variant: "v", Entry: "a", Components: []Component{comp("a", "a")}}, "cycle"},
		{"aliased peer", Plan{Variant: "v", Entry: "a", Components: []Component{comp("a", "inventory=core"), comp("core")}}, ""},
		{"alias of an unknown peer", Plan{Variant: "v", Entry: "a", Components: []Component{comp("a", "inventory=ghost")}}, `unknown peer "ghost"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.plan.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Validate() = %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

// TestStartOrderPeersFirst checks that every component starts after all of
// its peers, whatever order the plan lists them in.
func TestStartOrderPeersFirst(t *testing.T) {
	p := Plan{Variant: "v", Entry: "gw", Components: []Component{
		comp("gw", "cart", "orders"), comp("orders", "inventory", "payments=psp"), comp("cart"), comp("inventory"), comp("psp"),
	}}
	order, err := p.StartOrder()
	if err != nil {
		t.Fatal(err)
	}
	if len(order) != len(p.Components) {
		t.Fatalf("order has %d components, want %d", len(order), len(p.Components))
	}
	pos := map[string]int{}
	for i, c := range order {
		pos[c.Name] = i
	}
	for _, c := range p.Components {
		for _, entry := range c.Peers {
			_, peer := PeerRef(entry)
			if pos[peer] > pos[c.Name] {
				t.Errorf("%s starts at %d, before its peer %s at %d", c.Name, pos[c.Name], peer, pos[peer])
			}
		}
	}
}

func TestPeerRef(t *testing.T) {
	for entry, want := range map[string][2]string{"core": {"core", "core"}, "inventory=core": {"inventory", "core"}} {
		if a, c := PeerRef(entry); a != want[0] || c != want[1] {
			t.Errorf("PeerRef(%q) = %q, %q; want %q, %q", entry, a, c, want[0], want[1])
		}
	}
}
