package varianttest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/archbench/archbench/faas"
	"github.com/archbench/archbench/shop/httpapi"
	"github.com/archbench/archbench/shop/sqlstore"
	"github.com/archbench/archbench/variants"
)

// fakeDeployment serves each component's replicas at the URLs given.
type fakeDeployment map[string][]string

func (d fakeDeployment) EntryURL() string               { return "" }
func (d fakeDeployment) URLs(component string) []string { return d[component] }
func (fakeDeployment) Stop(context.Context) error       { return nil }

// serveWriters serves rep at sqlstore.WriterPath until the test ends.
func serveWriters(t *testing.T, rep ...sqlstore.WriterStats) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("GET "+sqlstore.WriterPath, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(sqlstore.WriterReport{Writers: append([]sqlstore.WriterStats{}, rep...)})
	}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestWritersWrote checks what the helper requires: every replica of every
// writer answers with a database, and some database was written.
func TestWritersWrote(t *testing.T) {
	written := serveWriters(t, sqlstore.WriterStats{Database: "a.db", Writes: 3, Operations: []sqlstore.OperationWrites{
		{Operation: "", Writes: 1}, {Operation: httpapi.RouteCheckout, Writes: 2},
	}})
	noCheckout := serveWriters(t, sqlstore.WriterStats{Database: "a.db", Writes: 3, Operations: []sqlstore.OperationWrites{
		{Operation: httpapi.RouteAddItem, Writes: 2}, {Operation: "", Writes: 1},
	}})
	internal := serveWriters(t, sqlstore.WriterStats{Database: "c.db", Writes: 2, Operations: []sqlstore.OperationWrites{
		{Operation: "POST /reservations", Writes: 2},
	}})
	event := serveWriters(t, sqlstore.WriterStats{Database: "e.db", Writes: 1, Operations: []sqlstore.OperationWrites{
		{Operation: "POST " + faas.EventPath, Writes: 1},
	}})
	idle := serveWriters(t, sqlstore.WriterStats{Database: "b.db"})
	empty := serveWriters(t)
	notServed := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notServed.Close)

	tests := []struct {
		name    string
		writers []string
		dep     fakeDeployment
		wantErr string // "" for none
	}{
		{"one replica written", []string{"a", "b"}, fakeDeployment{"a": {idle, written}, "b": {idle}}, ""},
		{"none written", []string{"a", "b"}, fakeDeployment{"a": {idle}, "b": {idle}}, "was written"},
		{"no writers named", nil, fakeDeployment{"a": {written}}, "names no writers"},
		{"a writer not deployed", []string{"a", "b"}, fakeDeployment{"a": {written}}, "writer b has no URL"},
		{"a replica not serving", []string{"a"}, fakeDeployment{"a": {written, notServed.URL}}, "HTTP 404"},
		{"a replica with no database", []string{"a"}, fakeDeployment{"a": {written, empty}}, "reports no database"},
		{"no checkout's write", []string{"a"}, fakeDeployment{"a": {noCheckout}}, `no write was counted under "POST /carts/{id}/checkout"`},
		{"an event delivery's write", []string{"a", "e"}, fakeDeployment{"a": {written}, "e": {event}}, `e.db: 1 writes counted under "POST /event"`},
		{"an internal route's write", []string{"a", "c"}, fakeDeployment{"a": {written}, "c": {internal}}, `c.db: 2 writes counted under "POST /reservations", not a public operation`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := variants.Variant{Name: "v", Writers: tt.writers}
			err := writersWrote(t.Context(), http.DefaultClient, tt.dep, v)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("error %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
