// Package microservices is the shop as a gateway plus one service per
// business capability, each its own process with its own database, talking
// HTTP/JSON over loopback, with checkout as a saga and order events over a
// real NATS JetStream broker. docs/SERVICES.md describes the services.
package microservices

import (
	"fmt"
	"maps"
	"slices"

	"github.com/archbench/archbench/runtime"
	"github.com/archbench/archbench/shop/httpapi"
)

// Name is the variant's name.
const Name = "microservices"

// The components, by name.
const (
	Gateway       = "gateway"
	Catalog       = "catalog"
	Inventory     = "inventory"
	Cart          = "cart"
	Orders        = "orders"
	Payments      = "payments"
	Notifications = "notifications"
	Broker        = "broker"
)

const module = "github.com/archbench/archbench/"

// Hops counts the network hops between the variant's own components that
// one request of each operation makes on its way (docs/SERVICES.md), the
// client's hop to the gateway and the payment provider's, which every variant
// pays, not counted. Checkout: gateway→orders, orders→cart (read),
// orders→inventory (reserve), orders→payments, orders→cart (remove the ordered items).
var Hops = map[string]int{
	httpapi.RouteListProducts: 2, httpapi.RouteGetProduct: 2, // gateway→catalog→inventory
	httpapi.RouteCreateCart: 1, httpapi.RouteGetCart: 1, httpapi.RouteRemoveItem: 1,
	httpapi.RouteAddItem:  2, // gateway→cart→catalog (price)
	httpapi.RouteCheckout: 5,
	httpapi.RouteGetOrder: 1, httpapi.RouteNotifications: 1,
}

// Plan is the microservices shop next to the payment provider psp, every
// service with one replica.
func Plan(psp runtime.Component) runtime.Plan {
	p, _ := Scaled(psp, nil)
	return p
}

// Scaled is Plan with replicas[name] replicas of the named services. Every
// service can be scaled: the gateway balances across replicas, and replicas
// of a service share its SQLite file (WAL mode allows several processes on
// one host).
func Scaled(psp runtime.Component, replicas map[string]int) (runtime.Plan, error) {
	svc := func(name string, peers ...string) runtime.Component {
		return runtime.Component{Name: name, Package: module + "services/" + name + "/cmd/" + name, Peers: peers,
			Replicas: replicas[name], SharedData: true}
	}
	p := runtime.Plan{
		Variant: Name,
		Entry:   Gateway,
		Components: []runtime.Component{
			psp,
			{Name: Broker, Package: module + "broker/cmd/broker"},
			svc(Inventory),
			svc(Catalog, Inventory),
			svc(Cart, Catalog),
			svc(Payments, psp.Name),
			svc(Orders, Cart, Inventory, Payments, Broker),
			svc(Notifications, Orders, Broker),
			svc(Gateway, Catalog, Cart, Orders, Notifications),
		},
	}
	for _, name := range slices.Sorted(maps.Keys(replicas)) {
		if !slices.ContainsFunc(p.Components, func(c runtime.Component) bool { return c.Name == name && c.Name != psp.Name && c.Name != Broker }) {
			return runtime.Plan{}, fmt.Errorf("cannot scale %q: not a service of the %s variant", name, Name)
		}
	}
	return p, p.Validate()
}
