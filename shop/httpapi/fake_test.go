package httpapi

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
)

// fakeShop is an in-memory Shop. It fails only with the shop's error kinds
// (never an internal error), unless told to panic in a method.
type fakeShop struct {
	mu       sync.Mutex
	products []shop.Product
	carts    map[string]*shop.Cart
	orders   map[string]shop.Order
	seq      int
	panicIn  string // method name that panics
	calls    []string
	lastKey  string
	lastTok  string
	lastPage [2]int64
}

func newFakeShop() *fakeShop {
	f := &fakeShop{carts: map[string]*shop.Cart{}, orders: map[string]shop.Order{}}
	f.products = shop.CatalogSpec{Count: 5, Seed: 1, MinStock: 10, MaxStock: 10}.Products()
	f.carts["c_1"] = &shop.Cart{ID: "c_1", Items: []shop.Item{}}
	f.orders["o_1"] = shop.Order{ID: "o_1", CartID: "c_0", Items: []shop.Item{{ProductID: 1, Quantity: 1, UnitPriceCents: 5}},
		TotalCents: 5, Status: shop.OrderPaid, PaymentID: "ch_1"}
	return f
}

func (f *fakeShop) enter(name string) func() {
	f.mu.Lock()
	f.calls = append(f.calls, name)
	if f.panicIn == name {
		f.mu.Unlock()
		panic("fake shop: boom in " + name)
	}
	return f.mu.Unlock
}

func (f *fakeShop) ListProducts(ctx context.Context, offset, limit int64) (api.ProductPage, error) {
	defer f.enter("ListProducts")()
	f.lastPage = [2]int64{offset, limit}
	n := int64(len(f.products))
	lo, hi := min(offset, n), min(offset+limit, n)
	return api.ProductPage{Products: slices.Clone(f.products[lo:hi]), Total: n, Offset: offset, Limit: limit}, nil
}

func (f *fakeShop) GetProduct(ctx context.Context, id int64) (shop.Product, error) {
	defer f.enter("GetProduct")()
	if id < 1 || id > int64(len(f.products)) {
		return shop.Product{}, fmt.Errorf("product %d: %w", id, shop.ErrNotFound)
	}
	return f.products[id-1], nil
}

func (f *fakeShop) CreateCart(ctx context.Context) (shop.Cart, error) {
	defer f.enter("CreateCart")()
	f.seq++
	c := &shop.Cart{ID: fmt.Sprintf("c_new%d", f.seq), Items: []shop.Item{}}
	f.carts[c.ID] = c
	return *c, nil
}

func (f *fakeShop) cart(id string) (*shop.Cart, error) {
	c, ok := f.carts[id]
	if !ok {
		return nil, fmt.Errorf("cart %s: %w", id, shop.ErrNotFound)
	}
	return c, nil
}

func (f *fakeShop) GetCart(ctx context.Context, id string) (shop.Cart, error) {
	defer f.enter("GetCart")()
	c, err := f.cart(id)
	if err != nil {
		return shop.Cart{}, err
	}
	return *c, nil
}

func (f *fakeShop) AddItem(ctx context.Context, cartID string, productID, quantity int64) (shop.Cart, error) {
	defer f.enter("AddItem")()
	c, err := f.cart(cartID)
	if err != nil {
		return shop.Cart{}, err
	}
	if productID > int64(len(f.products)) {
		return shop.Cart{}, fmt.Errorf("product %d: %w", productID, shop.ErrNotFound)
	}
	items, err := shop.AddItem(c.Items, productID, quantity, f.products[productID-1].PriceCents)
	if err != nil {
		return shop.Cart{}, err
	}
	c.Items, c.TotalCents = items, shop.Total(items)
	return *c, nil
}

func (f *fakeShop) RemoveItem(ctx context.Context, cartID string, productID int64) (shop.Cart, error) {
	defer f.enter("RemoveItem")()
	c, err := f.cart(cartID)
	if err != nil {
		return shop.Cart{}, err
	}
	i := slices.IndexFunc(c.Items, func(it shop.Item) bool { return it.ProductID == productID })
	if i < 0 {
		return shop.Cart{}, fmt.Errorf("product %d in cart %s: %w", productID, cartID, shop.ErrNotFound)
	}
	c.Items = slices.Delete(slices.Clone(c.Items), i, i+1)
	c.TotalCents = shop.Total(c.Items)
	return *c, nil
}

func (f *fakeShop) Checkout(ctx context.Context, cartID, key, token string) (shop.Order, error) {
	defer f.enter("Checkout")()
	f.lastKey, f.lastTok = key, token
	c, err := f.cart(cartID)
	if err != nil {
		return shop.Order{}, err
	}
	f.seq++
	o, err := shop.NewOrder(fmt.Sprintf("o_new%d", f.seq), *c)
	if err != nil {
		return shop.Order{}, err
	}
	o.Status, o.PaymentID = shop.OrderPaid, "ch_x"
	f.orders[o.ID] = o
	c.Items, c.TotalCents = []shop.Item{}, 0
	return o, nil
}

func (f *fakeShop) GetOrder(ctx context.Context, id string) (shop.Order, error) {
	defer f.enter("GetOrder")()
	o, ok := f.orders[id]
	if !ok {
		return shop.Order{}, fmt.Errorf("order %s: %w", id, shop.ErrNotFound)
	}
	return o, nil
}

func (f *fakeShop) Notifications(ctx context.Context, orderID string) ([]shop.Notification, error) {
	defer f.enter("Notifications")()
	if _, ok := f.orders[orderID]; !ok {
		return nil, fmt.Errorf("order %s: %w", orderID, shop.ErrNotFound)
	}
	return []shop.Notification{{OrderID: orderID, Channel: "email"}}, nil
}
