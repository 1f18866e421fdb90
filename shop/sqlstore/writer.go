package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/archbench/archbench/shop/operation"
)

// WriterPath is where a component serves its databases' WriterStats, as
// a JSON WriterReport (WriterHandler).
const WriterPath = "/internal/writer"

// WriterStats is what a database's single writer did since the database
// was opened. SQLite lets one connection write at a time, so under load
// writes queue for it: Waited is that queue, and Held over a span of time
// is how busy the writer was.
type WriterStats struct {
	// Database is the file's base name, such as "shop.db".
	Database string `json:"database"`
	// Opened is when this process opened the database: the counts begin
	// there. A sample with another Opened than the last one comes from a
	// process started since (a crash, a redeploy), whose counts began
	// again.
	Opened time.Time `json:"opened"`
	// Writes counts the writes through DB.InTx and DB.Exec: a
	// transaction, or one statement, each.
	Writes int64 `json:"writes"`
	// Held is the time writes held the database's write lock, in total:
	// from taking it to giving the writer connection back, commit
	// included. A write whose goroutine waits for a CPU holds it
	// meanwhile.
	Held time.Duration `json:"held_ns"`
	// Waited is the time writes waited, in total: for the writer
	// connection, and then for the file's write lock, which another
	// process writing the same file may hold.
	Waited time.Duration `json:"waited_ns"`
	// Operations splits the counts by the public operation each write
	// served (package operation), in order of name: "" for writes that no
	// request started (a broker event's consumer, say), OtherOperations
	// for names beyond the first MaxOperations.
	Operations []OperationWrites `json:"operations,omitempty"`
}

// OperationWrites is the part of a writer's counts that served one
// operation.
type OperationWrites struct {
	// Operation names it, such as "POST /carts/{id}/checkout".
	Operation string `json:"operation"`
	// Writes, Held and Waited are as in WriterStats.
	Writes int64         `json:"writes"`
	Held   time.Duration `json:"held_ns"`
	Waited time.Duration `json:"waited_ns"`
}

// MaxOperations bounds the operations a database's writer counts apart;
// the writes of any further ones count together as OtherOperations, so
// that callers naming arbitrary operations cannot grow the counts
// without bound.
const MaxOperations = 64

// OtherOperations stands for the operations beyond MaxOperations.
const OtherOperations = "(other operations)"

// WriterReport is what WriterHandler serves.
type WriterReport struct {
	// Writers holds one entry per database the component writes.
	Writers []WriterStats `json:"writers"`
}

// writerMeter counts a DB's writes and the time they waited for and held
// the writer, in all and per operation.
type writerMeter struct {
	writes, held, waited atomic.Int64

	mu  sync.Mutex
	ops map[string]*OperationWrites
}

// count adds one write of op that waited and then held the writer.
func (m *writerMeter) count(op string, waited, held time.Duration) {
	m.writes.Add(1)
	m.held.Add(int64(held))
	m.waited.Add(int64(waited))
	m.mu.Lock()
	defer m.mu.Unlock()
	o := m.ops[op]
	if o == nil {
		if m.ops == nil {
			m.ops = make(map[string]*OperationWrites)
		}
		if len(m.ops) >= MaxOperations {
			op = OtherOperations
		}
		if o = m.ops[op]; o == nil {
			o = &OperationWrites{Operation: op}
			m.ops[op] = o
		}
	}
	o.Writes++
	o.Held += held
	o.Waited += waited
}

// operations returns the per-operation counts, in order of name.
func (m *writerMeter) operations() []OperationWrites {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]OperationWrites, 0, len(m.ops))
	for _, o := range m.ops {
		out = append(out, *o)
	}
	slices.SortFunc(out, func(a, b OperationWrites) int { return strings.Compare(a.Operation, b.Operation) })
	return out
}

// write runs fn in a transaction on the writer connection, committing
// when fn returns nil and rolling back otherwise, and counts it under the
// operation ctx carries. It waits twice before it holds the writer: for
// the connection, which this process's writes queue for, and, as the
// transaction begins IMMEDIATE, for the file's write lock, which another
// process's writer may hold (replicas and function instances share one
// file, each process through a writer of its own). Both waits count as
// Waited; Held runs from taking the lock to giving the connection back.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	start := time.Now()
	c, err := db.W.Conn(ctx)
	if err != nil {
		return fmt.Errorf("get the writer: %w", err)
	}
	tx, err := c.BeginTx(ctx, nil)
	locked := time.Now()
	if err != nil {
		err = fmt.Errorf("begin: %w", err)
	} else if err = fn(tx); err != nil {
		err = errors.Join(err, ignoreDone(tx.Rollback()))
	} else if err = tx.Commit(); err != nil {
		err = fmt.Errorf("commit: %w", err)
	}
	err = errors.Join(err, c.Close())
	db.meter.count(operation.From(ctx), locked.Sub(start), time.Since(locked))
	return err
}

// Exec runs one write statement in a transaction of its own on the
// writer, counted in WriterStats.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = tx.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

// WriterStats returns what the database's writer did since Open.
func (db *DB) WriterStats() WriterStats {
	return WriterStats{
		Database:   filepath.Base(db.path),
		Opened:     db.opened,
		Writes:     db.meter.writes.Load(),
		Held:       time.Duration(db.meter.held.Load()),
		Waited:     time.Duration(db.meter.waited.Load()),
		Operations: db.meter.operations(),
	}
}

// WriterHandler serves the WriterStats of dbs as a JSON WriterReport, for
// a bench to sample at WriterPath before and after it drives load.
func WriterHandler(dbs ...*DB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		rep := WriterReport{Writers: make([]WriterStats, 0, len(dbs))}
		for _, db := range dbs {
			rep.Writers = append(rep.Writers, db.WriterStats())
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(rep)
	})
}

// maxWriterReportBytes bounds the WriterReport FetchWriters reads: a few
// databases' counts.
const maxWriterReportBytes = 1 << 20

// FetchWriters gets the WriterReport the component at baseURL serves at
// WriterPath, with client.
func FetchWriters(ctx context.Context, client *http.Client, baseURL string) (WriterReport, error) {
	url := baseURL + WriterPath
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return WriterReport{}, fmt.Errorf("writer stats: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return WriterReport{}, fmt.Errorf("writer stats: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return WriterReport{}, fmt.Errorf("writer stats from %s: HTTP %d: %q", url, resp.StatusCode, msg)
	}
	var rep WriterReport
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxWriterReportBytes)).Decode(&rep); err != nil {
		return WriterReport{}, fmt.Errorf("writer stats from %s: decode: %w", url, err)
	}
	return rep, nil
}
