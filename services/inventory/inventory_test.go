package inventory_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/archbench/archbench/audit"
	"github.com/archbench/archbench/services/inventory"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/sqlstore"
)

// spec is a small catalog in which every product starts with 5 in stock.
var spec = shop.CatalogSpec{Count: 3, Seed: 1, MinStock: 5, MaxStock: 5}

// start serves a fresh inventory seeded from spec and returns its base URL.
func start(t *testing.T) string {
	t.Helper()
	db, inv, err := inventory.Open(t.Context(), t.TempDir(), spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv := httptest.NewServer(inventory.Handler(db, inv, nil))
	t.Cleanup(srv.Close)
	return srv.URL
}

// send sends one request and returns the status and body. It is safe to
// call from any goroutine.
func send(ctx context.Context, method, url, body string) (int, []byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// do sends one request and returns the status and body.
func do(t *testing.T, method, url, body string) (int, []byte) {
	t.Helper()
	status, data, err := send(t.Context(), method, url, body)
	if err != nil {
		t.Fatalf("%s %.60s: %v", method, url, err)
	}
	return status, data
}

// errorCode returns the code of a JSON error envelope, failing the test if
// body is not one.
func errorCode(t *testing.T, body []byte) string {
	t.Helper()
	var eb api.ErrorBody
	if err := json.Unmarshal(body, &eb); err != nil || eb.Error.Code == "" {
		t.Fatalf("body %q is not a JSON error envelope (%v)", body, err)
	}
	return eb.Error.Code
}

// reserve posts a reservation and returns the status and error code ("" on
// success).
func reserve(t *testing.T, base, orderID string, items ...shop.Item) (int, string) {
	t.Helper()
	b, err := json.Marshal(inventory.Reservation{OrderID: orderID, Items: items})
	if err != nil {
		t.Fatal(err)
	}
	status, body := do(t, http.MethodPost, base+"/reservations", string(b))
	if status == http.StatusCreated {
		return status, ""
	}
	return status, errorCode(t, body)
}

func release(t *testing.T, base, orderID string) int {
	t.Helper()
	status, body := do(t, http.MethodDelete, base+"/reservations/"+orderID, "")
	if status != http.StatusNoContent {
		t.Logf("release %s: %d %s", orderID, status, body)
	}
	return status
}

// stock returns the available stock of products 1..spec.Count by ID.
func stock(t *testing.T, base string) map[string]int64 {
	t.Helper()
	status, body := do(t, http.MethodGet, base+"/stock?ids=1,2,3", "")
	if status != http.StatusOK {
		t.Fatalf("GET /stock: %d %s", status, body)
	}
	var sr inventory.StockResponse
	if err := json.Unmarshal(body, &sr); err != nil {
		t.Fatalf("GET /stock: %v: %s", err, body)
	}
	return sr.Stock
}

// facts returns the inventory's audit facts and checks the conservation rule
// that must hold after every request: initial = available + held.
func facts(t *testing.T, base string) audit.InventoryFacts {
	t.Helper()
	status, body := do(t, http.MethodGet, base+audit.FactsPath, "")
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", audit.FactsPath, status, body)
	}
	var f audit.Facts
	if err := json.Unmarshal(body, &f); err != nil || f.Inventory == nil {
		t.Fatalf("GET %s: %v: %s", audit.FactsPath, err, body)
	}
	inv := *f.Inventory
	if inv.Initial != inv.Available+inv.Held || len(inv.Mismatched) != 0 {
		t.Errorf("stock not conserved: initial %d, available %d, held %d, mismatched %v", inv.Initial, inv.Available, inv.Held, inv.Mismatched)
	}
	return inv
}

func item(id, qty int64) shop.Item { return shop.Item{ProductID: id, Quantity: qty} }

// TestParseIDs proves which ID lists GET /stock accepts.
func TestParseIDs(t *testing.T) {
	// upTo returns 1..n as a list and as IDs.
	upTo := func(n int) (string, []int64) {
		s, ids := make([]string, n), make([]int64, n)
		for i := range s {
			s[i], ids[i] = fmt.Sprint(i+1), int64(i+1)
		}
		return strings.Join(s, ","), ids
	}
	maxList, maxIDs := upTo(inventory.MaxStockIDs)
	overList, _ := upTo(inventory.MaxStockIDs + 1)
	tests := []struct {
		name, list string
		want       []int64 // nil: an invalid list
	}{
		{"empty", "", nil},
		{"one", "1", []int64{1}},
		{"two", "1,2", []int64{1, 2}},
		{"repeated, in any order", "3,1,3", []int64{3, 1, 3}},
		{"not a number", "x", nil},
		{"one not a number", "1,x", nil},
		{"zero", "0", nil},
		{"negative", "-1", nil},
		{"fraction", "1.5", nil},
		{"trailing comma", "1,", nil},
		{"leading comma", ",1", nil},
		{"empty element", "1,,2", nil},
		{"space after comma", "1, 2", nil},
		{"leading space", " 1", nil},
		{"overflows int64", "99999999999999999999", nil},
		{"100 ids", maxList, maxIDs},
		{"101 ids", overList, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := inventory.ParseIDs(tt.list)
			if tt.want == nil {
				if !errors.Is(err, shop.ErrInvalid) {
					t.Errorf("ParseIDs(%.40q) = %v, %v; want an ErrInvalid", tt.list, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseIDs(%.40q): %v", tt.list, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ParseIDs(%.40q) = %v, want %v", tt.list, got, tt.want)
			}
		})
	}
}

// TestStock proves GET /stock answers the seeded levels and leaves out IDs
// it has no stock for, and rejects malformed lists with 400.
func TestStock(t *testing.T) {
	base := start(t)
	status, body := do(t, http.MethodGet, base+"/stock?ids=2,99", "")
	if status != http.StatusOK {
		t.Fatalf("GET /stock?ids=2,99: %d %s", status, body)
	}
	var sr inventory.StockResponse
	if err := json.Unmarshal(body, &sr); err != nil {
		t.Fatal(err)
	}
	if want := map[string]int64{"2": 5}; fmt.Sprint(sr.Stock) != fmt.Sprint(want) {
		t.Errorf("stock = %v, want %v", sr.Stock, want)
	}
	for _, q := range []string{"", "?ids=", "?ids=x", "?ids=0", "?ids=1,,2"} {
		status, body := do(t, http.MethodGet, base+"/stock"+q, "")
		if status != http.StatusBadRequest || errorCode(t, body) != api.CodeInvalidArgument {
			t.Errorf("GET /stock%s = %d %s, want 400 %s", q, status, body, api.CodeInvalidArgument)
		}
	}
}

// TestReserveRelease proves a reservation takes stock, is idempotent by
// order ID, and that releasing gives the stock back exactly once.
func TestReserveRelease(t *testing.T) {
	base := start(t)
	check := func(step string, wantStock map[string]int64, wantHeld map[string]int64) {
		t.Helper()
		if got := stock(t, base); fmt.Sprint(got) != fmt.Sprint(wantStock) {
			t.Errorf("%s: stock = %v, want %v", step, got, wantStock)
		}
		f := facts(t, base)
		if fmt.Sprint(f.Reservations) != fmt.Sprint(wantHeld) {
			t.Errorf("%s: reservations = %v, want %v", step, f.Reservations, wantHeld)
		}
	}
	check("seeded", map[string]int64{"1": 5, "2": 5, "3": 5}, map[string]int64{})

	if status, code := reserve(t, base, "o_1", item(1, 2), item(2, 1)); status != http.StatusCreated {
		t.Fatalf("reserve o_1: %d %s, want 201", status, code)
	}
	reserved := map[string]int64{"1": 3, "2": 4, "3": 5}
	check("reserved", reserved, map[string]int64{"o_1": 3})

	// Again for the same order, with the same or other lines: a no-op.
	for _, items := range [][]shop.Item{{item(1, 2), item(2, 1)}, {item(3, 5)}} {
		if status, code := reserve(t, base, "o_1", items...); status != http.StatusCreated {
			t.Fatalf("reserve o_1 again: %d %s, want 201", status, code)
		}
		check("reserved again", reserved, map[string]int64{"o_1": 3})
	}

	if status := release(t, base, "o_1"); status != http.StatusNoContent {
		t.Fatalf("release o_1: %d, want 204", status)
	}
	seeded := map[string]int64{"1": 5, "2": 5, "3": 5}
	check("released", seeded, map[string]int64{})

	for _, id := range []string{"o_1", "o_never"} {
		if status := release(t, base, id); status != http.StatusNoContent {
			t.Fatalf("release %s again: %d, want 204", id, status)
		}
		check("released again", seeded, map[string]int64{})
	}
}

// TestReserveOutOfStock proves a reservation that cannot be met in full
// takes nothing, on any line, and leaves its order ID free to reserve.
func TestReserveOutOfStock(t *testing.T) {
	tests := []struct {
		name  string
		items []shop.Item
	}{
		{"one line", []shop.Item{item(1, 6)}},
		{"second line short", []shop.Item{item(1, 2), item(2, 6)}},
		{"last of three short", []shop.Item{item(1, 1), item(2, 5), item(3, 6)}},
		{"no stock row", []shop.Item{item(1, 1), item(99, 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := start(t)
			status, code := reserve(t, base, "o_1", tt.items...)
			if status != http.StatusConflict || code != api.CodeOutOfStock {
				t.Fatalf("reserve = %d %s, want 409 %s", status, code, api.CodeOutOfStock)
			}
			seeded := map[string]int64{"1": 5, "2": 5, "3": 5}
			if got := stock(t, base); fmt.Sprint(got) != fmt.Sprint(seeded) {
				t.Errorf("stock after a refused reservation = %v, want %v", got, seeded)
			}
			if f := facts(t, base); f.Held != 0 || len(f.Reservations) != 0 {
				t.Errorf("a refused reservation holds %d: %v", f.Held, f.Reservations)
			}
			// Nothing was recorded for o_1, so it is not taken for a no-op.
			if status, code := reserve(t, base, "o_1", item(1, 5)); status != http.StatusCreated {
				t.Fatalf("reserve o_1 within stock: %d %s, want 201", status, code)
			}
			if got := stock(t, base)["1"]; got != 0 {
				t.Errorf("stock of 1 after reserving all 5 = %d, want 0", got)
			}
		})
	}
}

// TestReserveConcurrent proves that concurrent reservations never oversell,
// and that concurrent retries of one order reserve once.
func TestReserveConcurrent(t *testing.T) {
	const n = 12
	tests := []struct {
		name        string
		orderID     func(i int) string
		wantCreated int
		wantStock   int64
	}{
		{"distinct orders", func(i int) string { return fmt.Sprintf("o_%d", i) }, 5, 0},
		{"one order retried", func(int) string { return "o_same" }, n, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := start(t)
			statuses := make([]int, n)
			errs := make([]error, n)
			body := func(i int) string {
				b, _ := json.Marshal(inventory.Reservation{OrderID: tt.orderID(i), Items: []shop.Item{item(1, 1)}})
				return string(b)
			}
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { statuses[i], _, errs[i] = send(t.Context(), http.MethodPost, base+"/reservations", body(i)) })
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			created := 0
			for _, s := range statuses {
				switch s {
				case http.StatusCreated:
					created++
				case http.StatusConflict:
				default:
					t.Errorf("a reservation answered %d, want 201 or 409", s)
				}
			}
			if created != tt.wantCreated {
				t.Errorf("%d reservations succeeded, want %d (statuses %v)", created, tt.wantCreated, statuses)
			}
			if got := stock(t, base)["1"]; got != tt.wantStock {
				t.Errorf("stock of 1 = %d, want %d", got, tt.wantStock)
			}
			facts(t, base)
		})
	}
}

// TestBadRequests proves malformed input is answered with a 4xx JSON error,
// never a 5xx, and reserves nothing.
func TestBadRequests(t *testing.T) {
	lines := func(n int) string {
		s := make([]string, n)
		for i := range s {
			s[i] = fmt.Sprintf(`{"product_id":%d,"quantity":1}`, i+1)
		}
		return `{"order_id":"o_1","items":[` + strings.Join(s, ",") + `]}`
	}
	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"malformed JSON", "POST", "/reservations", `{"order_id":`, 400, api.CodeInvalidJSON},
		{"not JSON", "POST", "/reservations", `order_id=o_1`, 400, api.CodeInvalidJSON},
		{"empty body", "POST", "/reservations", ``, 400, api.CodeInvalidJSON},
		{"unknown field", "POST", "/reservations", `{"order_id":"o_1","items":[{"product_id":1,"quantity":1}],"x":1}`, 400, api.CodeInvalidJSON},
		{"trailing data", "POST", "/reservations", `{"order_id":"o_1","items":[{"product_id":1,"quantity":1}]} {}`, 400, api.CodeInvalidJSON},
		{"wrong type", "POST", "/reservations", `{"order_id":1,"items":[]}`, 400, api.CodeInvalidJSON},
		{"empty items", "POST", "/reservations", `{"order_id":"o_1","items":[]}`, 400, api.CodeInvalidArgument},
		{"no items", "POST", "/reservations", `{"order_id":"o_1"}`, 400, api.CodeInvalidArgument},
		{"quantity 0", "POST", "/reservations", `{"order_id":"o_1","items":[{"product_id":1,"quantity":0}]}`, 400, api.CodeInvalidArgument},
		{"negative quantity", "POST", "/reservations", `{"order_id":"o_1","items":[{"product_id":1,"quantity":-3}]}`, 400, api.CodeInvalidArgument},
		{"quantity above the line limit", "POST", "/reservations", `{"order_id":"o_1","items":[{"product_id":1,"quantity":101}]}`, 400, api.CodeInvalidArgument},
		{"product 0", "POST", "/reservations", `{"order_id":"o_1","items":[{"product_id":0,"quantity":1}]}`, 400, api.CodeInvalidArgument},
		{"duplicate product", "POST", "/reservations", `{"order_id":"o_1","items":[{"product_id":1,"quantity":1},{"product_id":1,"quantity":1}]}`, 400, api.CodeInvalidArgument},
		{"too many lines", "POST", "/reservations", lines(shop.MaxCartLines + 1), 400, api.CodeInvalidArgument},
		{"missing order_id", "POST", "/reservations", `{"items":[{"product_id":1,"quantity":1}]}`, 400, api.CodeInvalidArgument},
		{"order_id too long", "POST", "/reservations", `{"order_id":"` + strings.Repeat("o", 65) + `","items":[{"product_id":1,"quantity":1}]}`, 400, api.CodeInvalidArgument},
		{"body over 64 KiB", "POST", "/reservations", `{"order_id":"` + strings.Repeat("o", api.MaxBodyBytes) + `","items":[]}`, 413, api.CodeBodyTooLarge},
		{"release order_id too long", "DELETE", "/reservations/" + strings.Repeat("o", 65), ``, 400, api.CodeInvalidArgument},
		{"release without order_id", "DELETE", "/reservations/", ``, 404, api.CodeNotFound},
		{"wrong method", "PUT", "/reservations", `{}`, 405, api.CodeMethodNotAllowed},
		{"unknown route", "GET", "/nope", ``, 404, api.CodeNotFound},
	}
	base := start(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := do(t, tt.method, base+tt.path, tt.body)
			if status != tt.status {
				t.Errorf("%s %.40s = %d %s, want %d", tt.method, tt.path, status, body, tt.status)
			}
			if code := errorCode(t, body); code != tt.code {
				t.Errorf("code = %q, want %q", code, tt.code)
			}
		})
	}
	if f := facts(t, base); f.Held != 0 || len(f.Reservations) != 0 {
		t.Errorf("bad requests reserved %d: %v", f.Held, f.Reservations)
	}
}

// TestAuditFacts proves the audit facts follow reservations and releases:
// totals, what each order holds, and conservation.
func TestAuditFacts(t *testing.T) {
	base := start(t)
	const initial = 15 // 3 products x 5
	steps := []struct {
		name      string
		do        func() int
		want      int
		held      int64
		orderHeld map[string]int64
	}{
		{"seeded", func() int { return 0 }, 0, 0, map[string]int64{}},
		{"reserve o_1", func() int { s, _ := reserve(t, base, "o_1", item(1, 2), item(3, 1)); return s }, 201, 3, map[string]int64{"o_1": 3}},
		{"reserve o_2", func() int { s, _ := reserve(t, base, "o_2", item(1, 3)); return s }, 201, 6, map[string]int64{"o_1": 3, "o_2": 3}},
		{"o_3 out of stock", func() int { s, _ := reserve(t, base, "o_3", item(2, 1), item(1, 1)); return s }, 409, 6, map[string]int64{"o_1": 3, "o_2": 3}},
		{"release o_1", func() int { return release(t, base, "o_1") }, 204, 3, map[string]int64{"o_2": 3}},
		{"release o_1 again", func() int { return release(t, base, "o_1") }, 204, 3, map[string]int64{"o_2": 3}},
		{"release o_2", func() int { return release(t, base, "o_2") }, 204, 0, map[string]int64{}},
	}
	for _, st := range steps {
		if got := st.do(); got != st.want {
			t.Fatalf("%s: status %d, want %d", st.name, got, st.want)
		}
		f := facts(t, base)
		if f.Initial != initial || f.Held != st.held || f.Available != initial-st.held {
			t.Errorf("%s: initial %d, available %d, held %d; want %d, %d, %d", st.name, f.Initial, f.Available, f.Held, initial, initial-st.held, st.held)
		}
		if fmt.Sprint(f.Reservations) != fmt.Sprint(st.orderHeld) {
			t.Errorf("%s: reservations %v, want %v", st.name, f.Reservations, st.orderHeld)
		}
	}
}

// TestServesWriterStats: the service serves its database's writer counts
// at sqlstore.WriterPath, seeding among them.
func TestServesWriterStats(t *testing.T) {
	base := start(t)
	st, body := do(t, http.MethodGet, base+sqlstore.WriterPath, "")
	if st != http.StatusOK {
		t.Fatalf("GET %s: %d %s, want 200", sqlstore.WriterPath, st, body)
	}
	var rep sqlstore.WriterReport
	if err := json.Unmarshal(body, &rep); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	if len(rep.Writers) != 1 || rep.Writers[0].Database != "inventory.db" || rep.Writers[0].Writes < 1 {
		t.Fatalf("writers %+v, want inventory.db's, with the seeding written", rep.Writers)
	}
}
