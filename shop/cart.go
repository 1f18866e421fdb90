package shop

import "fmt"

// Cart limits. They keep a single request's work bounded, whatever a client sends.
const (
	// MaxLineQuantity is the most of one product a cart may hold.
	MaxLineQuantity = 100
	// MaxCartLines is the most distinct products a cart may hold.
	MaxCartLines = 50
)

// Item is one line of a cart or an order.
type Item struct {
	ProductID int64 `json:"product_id"`
	Quantity  int64 `json:"quantity"`
	// UnitPriceCents is the product's price when the line was priced.
	UnitPriceCents int64 `json:"unit_price_cents"`
}

// LineTotal is the line's price.
func (it Item) LineTotal() int64 { return it.Quantity * it.UnitPriceCents }

// Cart is a shopper's basket.
type Cart struct {
	ID         string `json:"id"`
	Items      []Item `json:"items"`
	TotalCents int64  `json:"total_cents"`
}

// Total sums the line totals of items.
func Total(items []Item) int64 {
	var sum int64
	for _, it := range items {
		sum += it.LineTotal()
	}
	return sum
}

// ValidateQuantity checks a quantity asked for in one request.
func ValidateQuantity(q int64) error {
	if q < 1 || q > MaxLineQuantity {
		return fmt.Errorf("quantity must be 1..%d, but is %d: %w", MaxLineQuantity, q, ErrInvalid)
	}
	return nil
}

// ValidateProductID checks the form of a product ID (not that it exists).
func ValidateProductID(id int64) error {
	if id < 1 {
		return fmt.Errorf("product id must be positive, but is %d: %w", id, ErrInvalid)
	}
	return nil
}

// ValidateLines checks a list of order lines a peer sends (a reservation,
// the items of a placed order): 1 to MaxCartLines of them, each a valid
// product and quantity, no product twice.
func ValidateLines(items []Item) error {
	if len(items) == 0 || len(items) > MaxCartLines {
		return fmt.Errorf("items must hold 1 to %d lines, but hold %d: %w", MaxCartLines, len(items), ErrInvalid)
	}
	seen := make(map[int64]bool, len(items))
	for _, it := range items {
		if err := ValidateProductID(it.ProductID); err != nil {
			return err
		}
		if err := ValidateQuantity(it.Quantity); err != nil {
			return err
		}
		if seen[it.ProductID] {
			return fmt.Errorf("product %d listed twice: %w", it.ProductID, ErrInvalid)
		}
		seen[it.ProductID] = true
	}
	return nil
}

// AddItem returns items with quantity more of productID at unitPrice, merged
// into an existing line, enforcing the cart limits. items is not modified.
func AddItem(items []Item, productID, quantity, unitPrice int64) ([]Item, error) {
	if err := ValidateProductID(productID); err != nil {
		return nil, err
	}
	if err := ValidateQuantity(quantity); err != nil {
		return nil, err
	}
	out := make([]Item, 0, len(items)+1)
	found := false
	for _, it := range items {
		if it.ProductID == productID {
			it.Quantity += quantity
			it.UnitPriceCents = unitPrice
			if it.Quantity > MaxLineQuantity {
				return nil, fmt.Errorf("product %d would have quantity %d, above %d: %w", productID, it.Quantity, MaxLineQuantity, ErrCartFull)
			}
			found = true
		}
		out = append(out, it)
	}
	if !found {
		if len(items) >= MaxCartLines {
			return nil, fmt.Errorf("cart already holds %d products: %w", MaxCartLines, ErrCartFull)
		}
		out = append(out, Item{ProductID: productID, Quantity: quantity, UnitPriceCents: unitPrice})
	}
	return out, nil
}
