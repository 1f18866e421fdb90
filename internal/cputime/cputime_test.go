package cputime

import (
	"runtime"
	"testing"
	"time"
)

// TestProcessGrowsWithWork keeps a CPU busy until the process's CPU time
// has grown by 20 ms, which it must do long before the deadline.
func TestProcessGrowsWithWork(t *testing.T) {
	switch runtime.GOOS {
	case "windows", "plan9", "js", "wasip1":
		t.Skip("process CPU time is not measured on", runtime.GOOS)
	}
	before := Process()
	if before < 0 {
		t.Fatal("Process() = -1 on a unix system")
	}
	const want = 20 * time.Millisecond
	deadline := time.Now().Add(10 * time.Second)
	x := 0
	for Process()-before < want {
		if time.Now().After(deadline) {
			t.Fatalf("CPU time grew by %v in 10 s of busy looping (x=%d); want %v", Process()-before, x, want)
		}
		for range 100_000 {
			x++
		}
	}
}
