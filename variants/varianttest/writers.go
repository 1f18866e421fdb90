package varianttest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/archbench/archbench/runtime"
	"github.com/archbench/archbench/shop/httpapi"
	"github.com/archbench/archbench/shop/sqlstore"
	"github.com/archbench/archbench/variants"
)

// WritersWrote samples sqlstore.WriterPath on every replica of every
// component v names as Writers, and fails the test unless each answers
// with the counts of at least one database and, across them all, some
// database was written: what a bench relies on to sample the writers
// before and after its load. Call it after traffic that writes, such as
// the contract suite's checkouts.
func WritersWrote(t *testing.T, dep runtime.Deployment, v variants.Variant) {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	if err := writersWrote(t.Context(), client, dep, v); err != nil {
		t.Fatal(err)
	}
}

// writersWrote is WritersWrote's check, as an error.
func writersWrote(ctx context.Context, client *http.Client, dep runtime.Deployment, v variants.Variant) error {
	if len(v.Writers) == 0 {
		return fmt.Errorf("the %s variant names no writers", v.Name)
	}
	var errs []error
	var seen []sqlstore.WriterStats
	var writes int64
	for _, name := range v.Writers {
		urls := dep.URLs(name)
		if len(urls) == 0 {
			errs = append(errs, fmt.Errorf("writer %s has no URL", name))
		}
		for _, u := range urls {
			rep, err := sqlstore.FetchWriters(ctx, client, u)
			if err != nil {
				errs = append(errs, fmt.Errorf("writer %s: %w", name, err))
				continue
			}
			if len(rep.Writers) == 0 {
				errs = append(errs, fmt.Errorf("writer %s at %s reports no database", name, u))
			}
			for _, w := range rep.Writers {
				writes += w.Writes
			}
			seen = append(seen, rep.Writers...)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if writes == 0 {
		return fmt.Errorf("no database of %v was written: %+v", v.Writers, seen)
	}
	return writesByOperation(seen)
}

// publicRoutes are the operations a write may be counted under, besides
// "" (work no request started, such as a broker event's consumer or a
// function platform's delivery of one).
var publicRoutes = []string{
	httpapi.RouteListProducts, httpapi.RouteGetProduct, httpapi.RouteCreateCart, httpapi.RouteGetCart,
	httpapi.RouteAddItem, httpapi.RouteRemoveItem, httpapi.RouteCheckout, httpapi.RouteGetOrder,
	httpapi.RouteNotifications,
}

// writesByOperation checks that the writes were counted under the public
// operations that caused them, carried across every hop: under a public
// route (or none), never a service's internal one, and the checkouts'
// under the checkout's.
func writesByOperation(seen []sqlstore.WriterStats) error {
	var checkouts int64
	for _, w := range seen {
		for _, o := range w.Operations {
			if o.Operation != "" && !slices.Contains(publicRoutes, o.Operation) {
				return fmt.Errorf("%s: %d writes counted under %q, not a public operation: a hop lost the operation (package operation)", w.Database, o.Writes, o.Operation)
			}
			if o.Operation == httpapi.RouteCheckout {
				checkouts += o.Writes
			}
		}
	}
	if checkouts == 0 {
		return fmt.Errorf("no write was counted under %q: %+v", httpapi.RouteCheckout, seen)
	}
	return nil
}
