// Package sqlstore persists the shop's capabilities in SQL: catalog,
// inventory, carts, orders and the notification outbox. Each capability is a
// store over its own tables, so a variant can put them all in one database
// (the monolith, whose checkout spans them in one transaction) or give each
// service a database of its own (microservices).
//
// The default engine is SQLite through modernc.org/sqlite (pure Go), in WAL
// mode. SQLite allows one writer at a time, and a deferred transaction that
// upgrades a read lock to a write lock fails with SQLITE_BUSY without waiting,
// whatever busy_timeout says. So a DB holds two pools over the same file: a
// single writer connection whose transactions begin IMMEDIATE, where writes
// queue in Go rather than in SQLite's sleeping busy handler, and a pool of
// readers.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"runtime"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DBTX is what the stores run statements on: a *sql.DB, or a *sql.Tx when
// several stores take part in one transaction.
type DBTX interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// DB is one database file with a writer pool and a reader pool.
type DB struct {
	// W has one connection; write transactions begin IMMEDIATE. The
	// stores write through InTx and Exec, which count the writes in
	// WriterStats; a write straight on W is not counted.
	W *sql.DB
	// R serves reads concurrently.
	R *sql.DB

	path   string
	opened time.Time
	meter  writerMeter
}

// Option configures Open.
type Option func(*options)

type options struct {
	synchronous string
	readers     int
	schemas     []string
}

// WithSynchronous sets SQLite's synchronous pragma: "NORMAL" (the default; in
// WAL mode a crash of the machine may lose the last commits but never
// corrupts) or "FULL" (an fsync per commit, ~10x slower per write here).
func WithSynchronous(mode string) Option { return func(o *options) { o.synchronous = mode } }

// WithReaders sets the size of the reader pool (default: 2 x GOMAXPROCS).
func WithReaders(n int) Option { return func(o *options) { o.readers = n } }

// WithSchemas makes Open create the tables of the given schemas (the
// stores' *Schema constants) if they do not exist yet.
func WithSchemas(schemas ...string) Option {
	return func(o *options) { o.schemas = append(o.schemas, schemas...) }
}

// openRetryFor bounds how long Open retries a database another process is
// setting up at the same moment.
const openRetryFor = 10 * time.Second

// Open opens (creating if needed) the SQLite database at path. Replicas
// that share one file start together, and switching a new file to WAL or
// creating its tables takes locks that SQLite answers with SQLITE_BUSY
// without waiting; Open then retries for a while, backing off.
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	deadline := time.Now().Add(openRetryFor)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		db, err := open(ctx, path, opts...)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return db, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("open %s: %w", path, ctx.Err())
		case <-time.After(wait + time.Duration(rand.Int64N(int64(wait)))):
		}
	}
}

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	return strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "database is locked")
}

func open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	o := options{synchronous: "NORMAL", readers: 2 * runtime.GOMAXPROCS(0)}
	for _, opt := range opts {
		opt(&o)
	}
	switch o.synchronous {
	case "OFF", "NORMAL", "FULL":
	default:
		return nil, fmt.Errorf("open %s: synchronous must be OFF, NORMAL or FULL, but is %q", path, o.synchronous)
	}
	dsn := func(txlock string) string {
		q := url.Values{}
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "busy_timeout(5000)")
		q.Add("_pragma", "synchronous("+o.synchronous+")")
		q.Add("_pragma", "foreign_keys(ON)")
		q.Set("_txlock", txlock)
		return "file:" + path + "?" + q.Encode()
	}
	w, err := sql.Open("sqlite", dsn("immediate"))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	// The writer opens the file first, so WAL mode is set before readers come.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn("deferred"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s for reading: %w", path, err)
	}
	r.SetMaxOpenConns(o.readers)
	r.SetMaxIdleConns(o.readers)
	db := &DB{W: w, R: r, path: path, opened: time.Now()}
	if err := db.Migrate(ctx, o.schemas...); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// Close closes both pools.
func (db *DB) Close() error {
	return errors.Join(db.R.Close(), db.W.Close())
}

// InTx runs fn in a write transaction, committing when fn returns nil and
// rolling back otherwise. The transaction counts as one write in
// WriterStats.
func (db *DB) InTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.write(ctx, fn)
}

func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

// Migrate creates the tables of the given stores if they do not exist.
func (db *DB) Migrate(ctx context.Context, schemas ...string) error {
	for _, s := range schemas {
		if _, err := db.W.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	return nil
}
