// Package audit checks a shop's data after a scenario: stock is conserved,
// every order has a payment outcome, nothing was ordered or charged twice,
// every paid order was charged its total, and every paid order, and no
// other, got one confirmation. Components that own data
// serve their facts at FactsPath; the harness fetches them, adds the payment
// provider's charges, and checks the whole.
// The audit reads what the variant stored, so it holds every variant to the
// same rules whatever its architecture.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/archbench/archbench/payment"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/sqlstore"
)

// FactsPath is where a data-owning component serves its Facts.
const FactsPath = "/internal/audit"

// CheckConfirmations names the check that each paid order, and no other,
// got one delivered confirmation; Verify runs it when a component served
// Facts.Confirmations.
const CheckConfirmations = "one confirmation per paid order, none else"

// Facts is what the audit needs from the components that own data. Each
// component fills the parts it owns.
type Facts struct {
	Inventory *InventoryFacts `json:"inventory,omitempty"`
	Orders    []Order         `json:"orders,omitempty"`
	// SagaPending counts saga steps still owed (compensations being
	// retried); the data converges once it is zero.
	SagaPending int `json:"saga_pending,omitempty"`
	// Confirmations is the notification store's view; nil when no
	// component served one.
	Confirmations *ConfirmationFacts `json:"confirmations,omitempty"`
}

// ConfirmationFacts lists the order confirmations a notification store
// holds, by order ID.
type ConfirmationFacts struct {
	// Sent lists the orders whose confirmation was delivered.
	Sent []string `json:"sent"`
	// Queued lists the orders whose confirmation is recorded but not yet
	// delivered.
	Queued []string `json:"queued,omitempty"`
}

// Unsettled counts the work still converging: saga steps owed, orders not
// yet in a final state, and paid orders whose confirmation is not yet
// delivered (it travels asynchronously, through an outbox or the broker).
// A harness waits, bounded, for it to reach zero before it judges.
func (f Facts) Unsettled() int {
	n := f.SagaPending
	var sent map[string]bool
	if f.Confirmations != nil {
		sent = make(map[string]bool, len(f.Confirmations.Sent))
		for _, id := range f.Confirmations.Sent {
			sent[id] = true
		}
	}
	for _, o := range f.Orders {
		switch {
		case !o.Status.Final():
			n++
		case sent != nil && o.Status == shop.OrderPaid && !sent[o.ID]:
			n++
		}
	}
	return n
}

// InventoryFacts is the inventory's view.
type InventoryFacts struct {
	Initial   int64 `json:"initial"`
	Available int64 `json:"available"`
	Held      int64 `json:"held"`
	// Mismatched lists products whose initial stock is not available + held.
	Mismatched []int64 `json:"mismatched,omitempty"`
	// Reservations maps order IDs to the quantity they hold.
	Reservations map[string]int64 `json:"reservations"`
}

// Order is one order as the audit sees it.
type Order struct {
	ID       string           `json:"id"`
	Status   shop.OrderStatus `json:"status"`
	Quantity int64            `json:"quantity"`
	// TotalCents is the order's total, which its charge must match. Zero
	// means the component did not report it (facts from before the field
	// existed); since the provider refuses a charge of no amount, a paid
	// order's total is never zero, and the audit counts such orders
	// instead of comparing their charge.
	TotalCents int64  `json:"total_cents,omitempty"`
	PaymentID  string `json:"payment_id,omitempty"`
}

// HandlerOption configures Handler.
type HandlerOption func(*handlerConfig)

type handlerConfig struct {
	owed          func(context.Context) (int, error)
	notifications *sqlstore.Notifications
	log           *slog.Logger
}

// WithOwed has Handler report the compensations still owed, as counted by
// owed, in Facts.SagaPending: a component that retries them (a void the
// payment provider has not yet acknowledged) has not converged until they
// are done.
func WithOwed(owed func(context.Context) (int, error)) HandlerOption {
	return func(c *handlerConfig) { c.owed = owed }
}

// WithNotifications has Handler serve the confirmations in store, read
// after the orders (see Collect).
func WithNotifications(store *sqlstore.Notifications) HandlerOption {
	return func(c *handlerConfig) { c.notifications = store }
}

// WithLogger has Handler log the errors it answers; by default it logs
// nowhere.
func WithLogger(log *slog.Logger) HandlerOption {
	return func(c *handlerConfig) { c.log = log }
}

// Handler serves the facts of the given stores; either may be nil when the
// component does not own it.
func Handler(inv *sqlstore.Inventory, orders *sqlstore.Orders, opts ...HandlerOption) http.Handler {
	var cfg handlerConfig
	for _, o := range opts {
		o(&cfg)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := Collect(r.Context(), inv, orders)
		if err == nil && cfg.owed != nil {
			if f.SagaPending, err = cfg.owed(r.Context()); err != nil {
				err = fmt.Errorf("count owed compensations: %w", err)
			}
		}
		if err == nil && cfg.notifications != nil {
			f.Confirmations, err = confirmations(r.Context(), cfg.notifications)
		}
		if err != nil {
			api.WriteError(w, r, cfg.log, err)
			return
		}
		api.WriteJSON(w, http.StatusOK, f)
	})
}

// Collect reads the facts of the given stores; either may be nil. It reads
// the orders before the stock: a checkout that fails between the two reads
// has then released its stock by the time the stock is read, where the
// other way round the audit would see a failed order still holding it.
func Collect(ctx context.Context, inv *sqlstore.Inventory, orders *sqlstore.Orders) (Facts, error) {
	var f Facts
	if orders != nil {
		all, err := orders.All(ctx)
		if err != nil {
			return f, err
		}
		f.Orders = make([]Order, len(all))
		for i, o := range all {
			f.Orders[i] = Order{ID: o.ID, Status: o.Status, Quantity: o.Quantity, TotalCents: o.TotalCents, PaymentID: o.PaymentID}
		}
	}
	if inv != nil {
		sa, err := inv.Audit(ctx)
		if err != nil {
			return f, err
		}
		f.Inventory = &InventoryFacts{Initial: sa.Initial, Available: sa.Available, Held: sa.Held, Mismatched: sa.Mismatched, Reservations: sa.Reservations}
	}
	return f, nil
}

// confirmations reads the facts of a notification store.
func confirmations(ctx context.Context, store *sqlstore.Notifications) (*ConfirmationFacts, error) {
	all, err := store.All(ctx)
	if err != nil {
		return nil, err
	}
	c := &ConfirmationFacts{Sent: []string{}}
	for _, n := range all {
		if n.SentAt != "" {
			c.Sent = append(c.Sent, n.OrderID)
		} else {
			c.Queued = append(c.Queued, n.OrderID)
		}
	}
	return c, nil
}

// Fetch gets the facts served at each base URL and merges them. At most
// one component may serve inventory: no variant splits its stock, and two
// views of it cannot be merged into one. The stock is read after every
// component's orders and owed steps, as Collect reads it: a component that
// served inventory before another was read is asked again for its
// inventory at the end.
func Fetch(ctx context.Context, client *http.Client, baseURLs ...string) (Facts, error) {
	var all Facts
	stockOwner := -1     // the index of the component that served inventory
	var stockFrom string // that component, if others followed it
	for i, u := range baseURLs {
		f, err := fetch(ctx, client, u)
		if err != nil {
			return all, err
		}
		if f.Inventory != nil {
			if stockOwner >= 0 {
				return all, fmt.Errorf("audit facts: both %s and %s serve inventory; list only the inventory's owner among the variant's audit sources", baseURLs[stockOwner], u)
			}
			stockOwner = i
			all.Inventory = f.Inventory
			if i < len(baseURLs)-1 {
				stockFrom = u
			}
		}
		all.Orders = append(all.Orders, f.Orders...)
		all.SagaPending += f.SagaPending
		if c := f.Confirmations; c != nil {
			if all.Confirmations == nil {
				all.Confirmations = &ConfirmationFacts{Sent: []string{}}
			}
			all.Confirmations.Sent = append(all.Confirmations.Sent, c.Sent...)
			all.Confirmations.Queued = append(all.Confirmations.Queued, c.Queued...)
		}
	}
	if stockFrom != "" {
		f, err := fetch(ctx, client, stockFrom)
		if err != nil {
			return all, err
		}
		if f.Inventory == nil {
			return all, fmt.Errorf("audit facts from %s: no inventory the second time", stockFrom)
		}
		all.Inventory = f.Inventory
	}
	return all, nil
}

// FetchSettled fetches the facts as Fetch does, again every poll, until
// nothing is left to converge (Facts.Unsettled) or wait has passed, and
// returns the last: when a load stops, compensations may still be
// retrying, checkouts a crash left pending still awaiting recovery, and
// confirmations still on their way. The verdict on facts that did not
// settle in time names what is missing.
func FetchSettled(ctx context.Context, client *http.Client, wait time.Duration, baseURLs ...string) (Facts, error) {
	const poll = 200 * time.Millisecond
	deadline := time.Now().Add(wait)
	for {
		f, err := Fetch(ctx, client, baseURLs...)
		if err != nil || f.Unsettled() == 0 || time.Now().After(deadline) {
			return f, err
		}
		select {
		case <-ctx.Done():
			return f, ctx.Err()
		case <-time.After(poll):
		}
	}
}

// fetch gets the facts served at one base URL.
func fetch(ctx context.Context, client *http.Client, u string) (Facts, error) {
	var f Facts
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u+FactsPath, nil)
	if err != nil {
		return f, fmt.Errorf("audit facts from %s: %w", u, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return f, fmt.Errorf("audit facts from %s: %w", u, err)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	resp.Body.Close()
	if err != nil {
		return f, fmt.Errorf("audit facts from %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return f, fmt.Errorf("audit facts from %s: status %d: %s", u, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, &f); err != nil {
		return f, fmt.Errorf("audit facts from %s: %w", u, err)
	}
	return f, nil
}

// Check is one rule's verdict.
type Check struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail"`
}

// Report is the audit's verdict.
type Report struct {
	Passed bool    `json:"passed"`
	Checks []Check `json:"checks"`
}

// Verify applies the audit's rules to the facts and the provider's charges.
func Verify(f Facts, charges []payment.Charge) Report {
	var r Report
	add := func(name string, problems []string, ok string) {
		c := Check{Name: name, Passed: len(problems) == 0, Detail: ok}
		if !c.Passed {
			c.Detail = summarize(problems)
		}
		r.Checks = append(r.Checks, c)
	}

	if inv := f.Inventory; inv != nil {
		var problems []string
		for _, id := range inv.Mismatched {
			problems = append(problems, fmt.Sprintf("product %d: initial stock != available + held", id))
		}
		if inv.Initial != inv.Available+inv.Held {
			problems = append(problems, fmt.Sprintf("in all, initial %d != available %d + held %d", inv.Initial, inv.Available, inv.Held))
		}
		var reserved int64
		for _, q := range inv.Reservations {
			reserved += q
		}
		if reserved != inv.Held {
			problems = append(problems, fmt.Sprintf("held %d, but the reservations hold %d", inv.Held, reserved))
		}
		add("stock conserved", problems, fmt.Sprintf("initial %d = available %d + held %d", inv.Initial, inv.Available, inv.Held))

		var held []string
		live := map[string]bool{}
		for _, o := range f.Orders {
			want := int64(0)
			if o.Status != shop.OrderPaymentFailed {
				want = o.Quantity
				live[o.ID] = true
			}
			if got := inv.Reservations[o.ID]; got != want {
				held = append(held, fmt.Sprintf("order %s (%s) holds %d, want %d", o.ID, o.Status, got, want))
			}
		}
		for id := range inv.Reservations {
			if !live[id] {
				held = append(held, fmt.Sprintf("reservation for %s, which is no live order", id))
			}
		}
		add("reservations match orders", held, fmt.Sprintf("%d live orders hold %d items", len(live), inv.Held))
	}

	var owed []string
	if f.SagaPending > 0 {
		owed = append(owed, fmt.Sprintf("%d saga steps still owed", f.SagaPending))
	}
	add("saga settled", owed, "no compensation or saga step owed")

	var pending []string
	for _, o := range f.Orders {
		if !o.Status.Final() {
			pending = append(pending, fmt.Sprintf("order %s is %s", o.ID, o.Status))
		}
	}
	add("every order has a payment outcome", pending, fmt.Sprintf("%d orders, all paid or failed", len(f.Orders)))

	succeeded := map[string]payment.Charge{}
	for _, c := range charges {
		if c.Status == payment.StatusSucceeded {
			succeeded[c.IdempotencyKey] = c
		}
	}
	var charged []string
	paid := 0
	seen := map[string]bool{}
	for _, o := range f.Orders {
		if seen[o.ID] {
			charged = append(charged, fmt.Sprintf("order %s appears twice", o.ID))
		}
		seen[o.ID] = true
		c, ok := succeeded[o.ID]
		switch {
		case o.Status == shop.OrderPaid && !ok:
			charged = append(charged, fmt.Sprintf("order %s is paid but has no charge", o.ID))
		case o.Status == shop.OrderPaid && c.ID != o.PaymentID:
			charged = append(charged, fmt.Sprintf("order %s names charge %s, provider has %s", o.ID, o.PaymentID, c.ID))
		case o.Status != shop.OrderPaid && ok:
			charged = append(charged, fmt.Sprintf("order %s is %s but was charged", o.ID, o.Status))
		}
		if o.Status == shop.OrderPaid {
			paid++
		}
	}
	for key := range succeeded {
		if !seen[key] {
			charged = append(charged, fmt.Sprintf("charge for %s, which is no order", key))
		}
	}
	add("one charge per paid order, none else", charged, fmt.Sprintf("%d paid orders, %d charges", paid, len(succeeded)))

	// A paid order without a charge fails the check above; here only the
	// amount of the charge it has is compared.
	var amounts []string
	compared, unreported := 0, 0
	for _, o := range f.Orders {
		c, ok := succeeded[o.ID]
		switch {
		case o.Status != shop.OrderPaid || !ok:
		case o.TotalCents == 0:
			unreported++
		case c.AmountCents != o.TotalCents:
			amounts = append(amounts, fmt.Sprintf("order %s totals %d cents, charge %s is for %d", o.ID, o.TotalCents, c.ID, c.AmountCents))
		default:
			compared++
		}
	}
	matched := fmt.Sprintf("%d paid orders charged their total", compared)
	if unreported > 0 {
		matched += fmt.Sprintf("; %d report no total, not compared", unreported)
	}
	add("paid orders charged their total", amounts, matched)

	if c := f.Confirmations; c != nil {
		add(CheckConfirmations, confirmationProblems(f.Orders, c),
			fmt.Sprintf("%d paid orders, each confirmed once", paid))
	}

	r.Passed = true
	for _, c := range r.Checks {
		r.Passed = r.Passed && c.Passed
	}
	return r
}

// confirmationProblems holds the confirmations to the orders: each paid
// order has exactly one, delivered, and no other order has any.
func confirmationProblems(orders []Order, c *ConfirmationFacts) []string {
	var problems []string
	count := map[string]int{}
	sent := map[string]bool{}
	for _, id := range c.Sent {
		count[id]++
		sent[id] = true
	}
	for _, id := range c.Queued {
		count[id]++
	}
	status := make(map[string]shop.OrderStatus, len(orders))
	for _, o := range orders {
		status[o.ID] = o.Status
		switch {
		case o.Status == shop.OrderPaid && count[o.ID] == 0:
			problems = append(problems, fmt.Sprintf("order %s is paid but has no confirmation", o.ID))
		case o.Status == shop.OrderPaid && !sent[o.ID]:
			problems = append(problems, fmt.Sprintf("order %s is paid but its confirmation is queued, not sent", o.ID))
		case o.Status != shop.OrderPaid && count[o.ID] > 0:
			problems = append(problems, fmt.Sprintf("order %s is %s but was confirmed", o.ID, o.Status))
		}
	}
	for id, n := range count {
		if n > 1 {
			problems = append(problems, fmt.Sprintf("order %s has %d confirmations", id, n))
		}
		if _, ok := status[id]; !ok {
			problems = append(problems, fmt.Sprintf("confirmation for %s, which is no order", id))
		}
	}
	return problems
}

// summarize keeps a failed check's detail readable.
func summarize(problems []string) string {
	sort.Strings(problems)
	const max = 5
	if len(problems) <= max {
		return strings.Join(problems, "; ")
	}
	return fmt.Sprintf("%s; and %d more", strings.Join(problems[:max], "; "), len(problems)-max)
}
