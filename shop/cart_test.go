package shop

import (
	"errors"
	"slices"
	"testing"
)

func TestValidateQuantity(t *testing.T) {
	tests := []struct {
		q    int64
		want error
	}{
		{-1, ErrInvalid},
		{0, ErrInvalid},
		{1, nil},
		{MaxLineQuantity, nil},
		{MaxLineQuantity + 1, ErrInvalid},
		{1 << 62, ErrInvalid},
	}
	for _, tt := range tests {
		if err := ValidateQuantity(tt.q); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("ValidateQuantity(%d) = %v, want %v", tt.q, err, tt.want)
		}
	}
}

func TestValidateProductID(t *testing.T) {
	tests := []struct {
		id   int64
		want error
	}{
		{-5, ErrInvalid},
		{0, ErrInvalid},
		{1, nil},
		{1 << 62, nil},
	}
	for _, tt := range tests {
		if err := ValidateProductID(tt.id); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("ValidateProductID(%d) = %v, want %v", tt.id, err, tt.want)
		}
	}
}

// fullCart returns a cart holding MaxCartLines distinct products.
func fullCart() []Item {
	items := make([]Item, MaxCartLines)
	for i := range items {
		items[i] = Item{ProductID: int64(i + 1), Quantity: 1, UnitPriceCents: 100}
	}
	return items
}

// TestAddItem proves lines merge by product (taking the newest price), new
// products append at the end, and every limit is enforced.
func TestAddItem(t *testing.T) {
	tests := []struct {
		name                string
		items               []Item
		product, qty, price int64
		want                []Item
		wantErr             error
	}{
		{name: "into empty cart", product: 7, qty: 2, price: 150,
			want: []Item{{7, 2, 150}}},
		{name: "new product appends", items: []Item{{1, 1, 10}}, product: 2, qty: 3, price: 20,
			want: []Item{{1, 1, 10}, {2, 3, 20}}},
		{name: "same product merges and reprices", items: []Item{{1, 1, 10}, {2, 3, 20}}, product: 1, qty: 4, price: 11,
			want: []Item{{1, 5, 11}, {2, 3, 20}}},
		{name: "merge up to the line limit", items: []Item{{1, MaxLineQuantity - 1, 10}}, product: 1, qty: 1, price: 10,
			want: []Item{{1, MaxLineQuantity, 10}}},
		{name: "merge beyond the line limit", items: []Item{{1, MaxLineQuantity, 10}}, product: 1, qty: 1, price: 10,
			wantErr: ErrCartFull},
		{name: "merge beyond the line limit in one go", items: []Item{{1, 50, 10}}, product: 1, qty: 51, price: 10,
			wantErr: ErrCartFull},
		{name: "new line in a full cart", items: fullCart(), product: MaxCartLines + 1, qty: 1, price: 10,
			wantErr: ErrCartFull},
		{name: "existing line in a full cart merges", items: fullCart(), product: MaxCartLines, qty: 2, price: 100,
			want: func() []Item { f := fullCart(); f[MaxCartLines-1].Quantity = 3; return f }()},
		{name: "quantity zero", product: 1, qty: 0, price: 10, wantErr: ErrInvalid},
		{name: "quantity above limit", product: 1, qty: MaxLineQuantity + 1, price: 10, wantErr: ErrInvalid},
		{name: "product zero", product: 0, qty: 1, price: 10, wantErr: ErrInvalid},
		{name: "negative product", product: -1, qty: 1, price: 10, wantErr: ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := slices.Clone(tt.items)
			got, err := AddItem(tt.items, tt.product, tt.qty, tt.price)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if got != nil {
					t.Errorf("items = %v on error, want nil", got)
				}
			} else {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("items = %v, want %v", got, tt.want)
				}
			}
			if !slices.Equal(tt.items, before) {
				t.Errorf("input modified: %v, was %v", tt.items, before)
			}
		})
	}
}

// TestAddItemDoesNotAlias proves the result never shares a backing array
// with the input, so appending to or editing one cannot change the other.
func TestAddItemDoesNotAlias(t *testing.T) {
	items := make([]Item, 1, 10)
	items[0] = Item{ProductID: 1, Quantity: 1, UnitPriceCents: 5}
	got, err := AddItem(items, 1, 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	got[0].Quantity = 99
	if items[0].Quantity != 1 {
		t.Fatalf("input shares memory with result: %v", items)
	}
	if _, err := AddItem(items, 2, 1, 5); err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[:2][1] != (Item{}) {
		t.Fatalf("AddItem wrote into the input's spare capacity: %v", items[:2])
	}
}

func TestTotal(t *testing.T) {
	tests := []struct {
		items []Item
		want  int64
	}{
		{nil, 0},
		{[]Item{{1, 3, 250}}, 750},
		{[]Item{{1, 3, 250}, {2, 1, 99}, {3, 100, 1}}, 949},
		{[]Item{{1, 2, 0}}, 0},
	}
	for _, tt := range tests {
		if got := Total(tt.items); got != tt.want {
			t.Errorf("Total(%v) = %d, want %d", tt.items, got, tt.want)
		}
	}
}

func TestValidateLines(t *testing.T) {
	many := make([]Item, MaxCartLines+1)
	for i := range many {
		many[i] = Item{ProductID: int64(i + 1), Quantity: 1}
	}
	tests := []struct {
		name  string
		items []Item
		ok    bool
	}{
		{"one line", []Item{{ProductID: 1, Quantity: 2}}, true},
		{"as many as a cart holds", many[:MaxCartLines], true},
		{"none", nil, false},
		{"more than a cart holds", many, false},
		{"a bad product", []Item{{ProductID: 0, Quantity: 1}}, false},
		{"a bad quantity", []Item{{ProductID: 1, Quantity: 0}}, false},
		{"a product twice", []Item{{ProductID: 1, Quantity: 1}, {ProductID: 1, Quantity: 2}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateLines(tc.items)
			if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrInvalid)) {
				t.Errorf("ValidateLines = %v, want ok %v (else ErrInvalid)", err, tc.ok)
			}
		})
	}
}
