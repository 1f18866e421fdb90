package report

import (
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/shop/httpapi"
)

// checkoutIntro explains the checkout outcomes table.
const checkoutIntro = "How the checkouts were answered, by status. A declined card (402 " +
	"payment_declined) and a sold-out product (409 out_of_stock, common with a catalog seeded " +
	"with little stock: `-catalog`) are answers the shop is designed to give, and the journeys " +
	"count them as outcomes, not errors; a 409 with another code is an error, and so is in both " +
	"columns. Both cost less than a paid checkout (no charge, or no stock reserved), so a share " +
	"of them lowers the checkout's latency figures. Shown when some checkout was declined or sold out."

// checkoutTable counts each variant's checkouts by outcome, or has no rows
// when every checkout was paid or failed (the usual run, where the
// operations table says all there is).
func checkoutTable(vs []results.VariantResult, names []string) table {
	t := table{
		header: []string{"variant", "checkouts", "paid (201)", "declined (402)", "sold out (409)", "errors"},
		right:  []bool{false, true, true, true, true, true},
	}
	refused := false
	for i, v := range vs {
		for _, o := range v.Operations {
			if o.Name != httpapi.RouteCheckout {
				continue
			}
			paid, declined, soldOut := o.Status["201"], o.Status["402"], o.Status["409"]
			refused = refused || declined > 0 || soldOut > 0
			share := func(n int64) string {
				if o.Count == 0 {
					return thousands(n)
				}
				return thousands(n) + " (" + percent(float64(n)/float64(o.Count)) + ")"
			}
			t.rows = append(t.rows, []string{names[i], thousands(o.Count), share(paid), share(declined), share(soldOut), share(o.Errors)})
		}
	}
	if !refused {
		t.rows = nil
	}
	return t
}
