package results

import (
	"reflect"
	"testing"
	"time"
)

// TestBusiestWriter proves the busiest writer is the written one held
// for the largest share of its span, and that none is found without
// writes.
func TestBusiestWriter(t *testing.T) {
	w := func(db string, writes int64, held, span time.Duration) WriterUsage {
		return WriterUsage{Component: "c", Database: db, Writes: writes, Held: Duration(held), Span: Duration(span)}
	}
	tests := []struct {
		name string
		ws   []WriterUsage
		want string // the busiest's database; "" for none
	}{
		{"none", nil, ""},
		{"no writes", []WriterUsage{w("a.db", 0, 0, time.Second)}, ""},
		{"one", []WriterUsage{w("a.db", 1, time.Millisecond, time.Second)}, "a.db"},
		{"by share, not by held time", []WriterUsage{
			w("long.db", 10, 200*time.Millisecond, 10*time.Second), // 2 %
			w("short.db", 10, 100*time.Millisecond, time.Second),   // 10 %
		}, "short.db"},
		{"an unwritten one is never the busiest", []WriterUsage{
			w("idle.db", 0, 0, 0), w("a.db", 1, time.Millisecond, time.Second),
		}, "a.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := BusiestWriter(tt.ws)
			if ok != (tt.want != "") || got.Database != tt.want {
				t.Errorf("BusiestWriter = %q, %v; want %q", got.Database, ok, tt.want)
			}
		})
	}
}

// TestRestartedWriters proves the restarted writers are those written at
// all whose replica started again, in their order, and none otherwise.
func TestRestartedWriters(t *testing.T) {
	w := func(component string, replica int, writes int64, restarted bool) WriterUsage {
		return WriterUsage{Component: component, Replica: replica, Database: "a.db", Writes: writes, Restarted: restarted}
	}
	tests := []struct {
		name string
		ws   []WriterUsage
		want []WriterUsage
	}{
		{"none", nil, nil},
		{"none restarted", []WriterUsage{w("c", 0, 5, false), w("c", 1, 5, false)}, nil},
		{"one of several", []WriterUsage{w("c", 0, 5, false), w("c", 1, 5, true)}, []WriterUsage{w("c", 1, 5, true)}},
		{"in order", []WriterUsage{w("b", 0, 1, true), w("a", 0, 9, false), w("a", 1, 2, true)},
			[]WriterUsage{w("b", 0, 1, true), w("a", 1, 2, true)}},
		{"not written since: left out", []WriterUsage{w("c", 0, 0, true), w("c", 1, 5, false)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RestartedWriters(tt.ws); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("RestartedWriters =\n %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
