package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/archbench/archbench/shop/operation"
	"github.com/archbench/archbench/shop/sqlstore"
)

// TestWriterStatsCounts proves every write through the stores' paths
// counts once, failed ones included, and a read not at all.
func TestWriterStatsCounts(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	base := db.WriterStats()
	if base.Database != "test.db" || base.Writes != 0 || base.Held != 0 || base.Waited != 0 {
		t.Fatalf("a fresh database's writer: %+v, want test.db and nothing counted", base)
	}
	if _, err := db.Exec(ctx, `INSERT INTO carts (id) VALUES (?)`, "c1"); err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO carts (id) VALUES (?)`, "c2")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	refused := errors.New("refused")
	if err := db.InTx(ctx, func(*sql.Tx) error { return refused }); !errors.Is(err, refused) {
		t.Fatalf("InTx = %v, want its function's error", err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO carts (id) VALUES (?)`, "c1"); err == nil {
		t.Fatal("a duplicate cart was stored")
	}
	if _, err := sqlstore.NewCarts(db).Get(ctx, nil, "c1"); err != nil {
		t.Fatal(err)
	}
	if got := db.WriterStats(); got.Writes != 4 || got.Held <= 0 {
		t.Errorf("after 2 writes, a rolled-back and a failed one and a read: %+v, want 4 writes that held the writer", got)
	}
}

// holdWriter starts a write transaction on db that holds the writer, and
// the file's write lock, until release is closed; it returns once the
// transaction holds them, and txDone gets the transaction's result.
func holdWriter(ctx context.Context, db *sqlstore.DB) (release chan struct{}, txDone <-chan error) {
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.InTx(ctx, func(*sql.Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	return release, done
}

// TestWriterStatsQueue proves a write that finds the writer held waits,
// and that the wait and the hold are counted: a transaction holds the
// writer for at least hold while another write is queued behind it.
func TestWriterStatsQueue(t *testing.T) {
	const hold = 30 * time.Millisecond
	ctx := context.Background()
	db := openDB(t)
	release, txDone := holdWriter(ctx, db)
	queued, execDone := make(chan struct{}), make(chan error, 1)
	go func() {
		close(queued)
		_, err := db.Exec(ctx, `INSERT INTO carts (id) VALUES (?)`, "c1")
		execDone <- err
	}()
	<-queued
	time.Sleep(hold)
	close(release)
	if err := errors.Join(<-txDone, <-execDone); err != nil {
		t.Fatal(err)
	}
	got := db.WriterStats()
	if got.Writes != 2 {
		t.Errorf("writes = %d, want 2", got.Writes)
	}
	// Lower bounds only: a slow machine makes both longer, never shorter.
	if got.Held < hold {
		t.Errorf("held %v, want at least the %v the transaction kept the writer", got.Held, hold)
	}
	if got.Waited < hold*2/3 {
		t.Errorf("waited %v, want most of the %v the second write was queued", got.Waited, hold)
	}
}

// TestWriterStatsFileLock proves a write that finds the file's write lock
// held by another writer of the same file (another process's, as replicas
// and function instances share one) counts that wait as Waited, not Held:
// Held is how long the lock was its own.
func TestWriterStatsFileLock(t *testing.T) {
	const hold = 200 * time.Millisecond
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "test.db")
	var dbs [2]*sqlstore.DB
	for i := range dbs {
		db, err := sqlstore.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx, sqlstore.CartsSchema); err != nil {
			t.Fatal(err)
		}
		dbs[i] = db
	}
	first, second := dbs[0], dbs[1]
	release, txDone := holdWriter(ctx, first)
	execDone := make(chan error, 1)
	go func() {
		_, err := second.Exec(ctx, `INSERT INTO carts (id) VALUES (?)`, "c1")
		execDone <- err
	}()
	time.Sleep(hold)
	close(release)
	if err := errors.Join(<-txDone, <-execDone); err != nil {
		t.Fatal(err)
	}
	got := second.WriterStats()
	if got.Writes != 1 {
		t.Fatalf("writes = %d, want 1", got.Writes)
	}
	if got.Waited < hold*2/3 {
		t.Errorf("waited %v, want most of the %v the other writer held the file", got.Waited, hold)
	}
	if got.Held >= hold/2 {
		t.Errorf("held %v, want a single insert's hold, well under the %v it waited for the lock", got.Held, hold)
	}
}

// TestWriterHandler proves the handler serves each database's stats as
// a WriterReport that FetchWriters reads, and that FetchWriters names
// what went wrong otherwise.
func TestWriterHandler(t *testing.T) {
	ctx := context.Background()
	before := time.Now()
	db := openDB(t)
	if _, err := db.Exec(ctx, `INSERT INTO carts (id) VALUES (?)`, "c1"); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+sqlstore.WriterPath, sqlstore.WriterHandler(db))
	mux.Handle("GET /broken"+sqlstore.WriterPath, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	mux.Handle("GET /garbled"+sqlstore.WriterPath, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("{"))
	}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	rep, err := sqlstore.FetchWriters(ctx, srv.Client(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Writers) != 1 {
		t.Fatalf("report %+v, want one database", rep)
	}
	if w := rep.Writers[0]; w.Database != "test.db" || w.Writes != 1 || w.Held <= 0 || w.Opened.Before(before) || w.Opened.After(time.Now()) {
		t.Errorf("report %+v, want test.db opened during the test, with one write", w)
	}
	for path, want := range map[string]string{"/broken": "HTTP 503", "/garbled": "decode"} {
		if _, err := sqlstore.FetchWriters(ctx, srv.Client(), srv.URL+path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("FetchWriters(%s) = %v, want an error saying %q", path, err, want)
		}
	}
}

// TestWriterStatsByOperation proves each write counts under the
// operation its context carries, writes no request started under "", and
// operations beyond MaxOperations together under OtherOperations.
func TestWriterStatsByOperation(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	insert := func(ctx context.Context, id string) {
		t.Helper()
		if _, err := db.Exec(ctx, `INSERT INTO carts (id) VALUES (?)`, id); err != nil {
			t.Fatal(err)
		}
	}
	add := operation.With(ctx, "POST /carts")
	insert(add, "a1")
	insert(add, "a2")
	if err := db.InTx(operation.With(ctx, "POST /carts/{id}/checkout"), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO carts (id) VALUES (?)`, "c1")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	insert(ctx, "n1")
	got := db.WriterStats()
	var names []string
	var writes int64
	var held time.Duration
	for _, o := range got.Operations {
		names = append(names, fmt.Sprintf("%s=%d", o.Operation, o.Writes))
		writes += o.Writes
		held += o.Held
		if o.Held <= 0 {
			t.Errorf("operation %q held the writer %v, want > 0", o.Operation, o.Held)
		}
	}
	if want := []string{"=1", "POST /carts=2", "POST /carts/{id}/checkout=1"}; !slices.Equal(names, want) {
		t.Errorf("operations %v, want %v", names, want)
	}
	if writes != got.Writes || held != got.Held {
		t.Errorf("operations add up to %d writes and %v held, want the totals %d and %v", writes, held, got.Writes, got.Held)
	}

	for i := range sqlstore.MaxOperations + 2 {
		insert(operation.With(ctx, fmt.Sprintf("GET /op%d", i)), fmt.Sprintf("o%d", i))
	}
	ops := db.WriterStats().Operations
	if len(ops) != sqlstore.MaxOperations+1 {
		t.Fatalf("%d operations counted apart, want at most %d and %q", len(ops), sqlstore.MaxOperations, sqlstore.OtherOperations)
	}
	i := slices.IndexFunc(ops, func(o sqlstore.OperationWrites) bool { return o.Operation == sqlstore.OtherOperations })
	// Three named before, so 61 of the new ones fit and 5 do not.
	if i < 0 || ops[i].Writes != 5 {
		t.Errorf("operations %+v: want the 5 beyond the first %d under %q", ops, sqlstore.MaxOperations, sqlstore.OtherOperations)
	}
}
