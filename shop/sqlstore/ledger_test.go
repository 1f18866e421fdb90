package sqlstore_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/archbench/archbench/shop/operation"
	"github.com/archbench/archbench/shop/sqlstore"
)

// writerProcess is a stand-in for a process that serves its database's
// writer counts at sqlstore.WriterPath: a real database and a real
// server.
type writerProcess struct {
	db  *sqlstore.DB
	srv *httptest.Server
}

func startWriterProcess(t *testing.T) *writerProcess {
	t.Helper()
	db := openDB(t)
	mux := http.NewServeMux()
	mux.Handle("GET "+sqlstore.WriterPath, sqlstore.WriterHandler(db))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &writerProcess{db: db, srv: srv}
}

// write makes n writes for op.
func (p *writerProcess) write(t *testing.T, op string, n int) {
	t.Helper()
	ctx := operation.With(context.Background(), op)
	for range n {
		if _, err := p.db.Exec(ctx, `INSERT INTO carts (id) VALUES (lower(hex(randomblob(8))))`); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWriterLedger proves the ledger's report sums its live processes'
// counts with the last counts of those gone, so that it only grows as
// processes come and go, crashed ones included, and serves it as one
// process's counts with a fixed Opened.
func TestWriterLedger(t *testing.T) {
	ctx := context.Background()
	ledger := sqlstore.NewWriterLedger()
	srv := httptest.NewServer(ledger)
	t.Cleanup(srv.Close)
	a, b, c := startWriterProcess(t), startWriterProcess(t), startWriterProcess(t)
	ledger.Join(a.srv.URL)
	ledger.Join(b.srv.URL)
	a.write(t, "POST /carts", 2)
	b.write(t, "POST /carts", 1)
	b.write(t, "", 1)

	first, err := sqlstore.FetchWriters(ctx, srv.Client(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		writes, carts, background int64
	}
	check := func(name string, rep sqlstore.WriterReport, w want) {
		t.Helper()
		if len(rep.Writers) != 1 || rep.Writers[0].Database != "test.db" {
			t.Fatalf("%s: report %+v, want one database, test.db", name, rep)
		}
		got := rep.Writers[0]
		ops := map[string]int64{}
		for _, o := range got.Operations {
			ops[o.Operation] = o.Writes
		}
		if got.Writes != w.writes || ops["POST /carts"] != w.carts || ops[""] != w.background || len(ops) != 2 {
			t.Errorf("%s: %d writes, by operation %v; want %d: %d for POST /carts and %d for none", name, got.Writes, ops, w.writes, w.carts, w.background)
		}
		if got.Held <= 0 || !got.Opened.Equal(first.Writers[0].Opened) {
			t.Errorf("%s: held %v, opened %v; want a hold and the first report's opening, %v", name, got.Held, got.Opened, first.Writers[0].Opened)
		}
	}
	check("two live processes", first, want{4, 3, 1})

	ledger.Leave(ctx, a.srv.URL)
	a.write(t, "POST /carts", 5) // after it left: not the ledger's
	a.srv.Close()
	ledger.Join(c.srv.URL)
	c.write(t, "POST /carts", 1)
	check("one gone, one joined", ledger.Report(ctx), want{5, 4, 1})

	c.write(t, "POST /carts", 1)
	c.srv.Close() // crashed: it cannot say its last write
	ledger.Leave(ctx, c.srv.URL)
	b.write(t, "POST /carts", 1)
	check("one crashed after it was read", ledger.Report(ctx), want{6, 5, 1})
}
