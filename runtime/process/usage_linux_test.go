package process

import (
	"bufio"
	"encoding/binary"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/archbench/archbench/runtime"
)

// statLine builds a /proc/PID/stat line for pid with command comm, process
// group pgrp, CPU ticks utime, stime, cutime, cstime and rss pages, the other
// fields as a real line has them.
func statLine(pid int, comm string, pgrp int, utime, stime, cutime, cstime, rss int) string {
	return strconv.Itoa(pid) + " (" + comm + ") S 1 " + strconv.Itoa(pgrp) + " 4711 0 -1 4194560 1500 0 3 0 " +
		strconv.Itoa(utime) + " " + strconv.Itoa(stime) + " " + strconv.Itoa(cutime) + " " + strconv.Itoa(cstime) +
		" 20 0 9 0 123456 1268416512 " + strconv.Itoa(rss) +
		" 18446744073709551615 4194304 7217917 140723 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
}

func TestParseStat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		line    string
		want    procStat
		wantErr string
	}{
		{"plain", statLine(4242, "monolith", 4242, 150, 30, 0, 0, 5120),
			procStat{pgrp: 4242, ticks: 180, rssPages: 5120}, ""},
		{"reaped children count", statLine(4243, "platform", 4200, 10, 5, 700, 85, 3000),
			procStat{pgrp: 4200, ticks: 800, rssPages: 3000}, ""},
		{"spaces in the name", statLine(7, "Web Content", 7, 1, 2, 0, 0, 10),
			procStat{pgrp: 7, ticks: 3, rssPages: 10}, ""},
		{"parentheses in the name", statLine(8, "a) (b) 9 9 9", 42, 1, 1, 1, 1, 1),
			procStat{pgrp: 42, ticks: 4, rssPages: 1}, ""},
		{"name ending in a parenthesis", statLine(9, "x)", 5, 0, 0, 0, 0, 0),
			procStat{pgrp: 5}, ""},
		{"kernel thread", "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 3 0 0 20 0 1 0 11 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 17 1 0 0 0 0 0\n",
			procStat{ticks: 3}, ""},
		{"no name", "1 init S 0 1 1", procStat{}, "no command name"},
		{"cut short", "1 (init) S 0 1 1 0 -1 4194560 1 2 3 4 5 6", procStat{}, "fields after the command name"},
		{"not a number", strings.Replace(statLine(1, "x", 1, 1, 1, 0, 0, 1), " 1 1 0 0 ", " 1 x 0 0 ", 1), procStat{}, "field 15"},
		{"empty", "", procStat{}, "no command name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseStat([]byte(tt.line))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseStat = %+v, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("parseStat = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

// FuzzParseStat checks that no stat line makes the parser panic.
func FuzzParseStat(f *testing.F) {
	f.Add(statLine(4242, "a) (b", 4242, 1, 2, 3, 4, 5))
	f.Add("1 () S")
	f.Fuzz(func(t *testing.T, line string) {
		_, _ = parseStat([]byte(line))
	})
}

func TestAuxvClockTicks(t *testing.T) {
	t.Parallel()
	auxv := func(pairs ...uint64) []byte {
		var b []byte
		for _, v := range pairs {
			if strconv.IntSize == 64 {
				b = binary.NativeEndian.AppendUint64(b, v)
			} else {
				b = binary.NativeEndian.AppendUint32(b, uint32(v))
			}
		}
		return b
	}
	tests := []struct {
		name   string
		auxv   []byte
		want   uint64
		wantOK bool
	}{
		{"found", auxv(6, 4096, atClkTck, 100, 23, 0, atNull, 0), 100, true},
		{"another HZ", auxv(atClkTck, 1024, atNull, 0), 1024, true},
		{"after the end", auxv(6, 4096, atNull, 0, atClkTck, 100), 0, false},
		{"zero", auxv(atClkTck, 0, atNull, 0), 0, false},
		{"truncated", auxv(6, 4096, atClkTck), 0, false},
		{"empty", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got, ok := auxvClockTicks(tt.auxv); got != tt.want || ok != tt.wantOK {
				t.Errorf("auxvClockTicks = %d, %v; want %d, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
	if hz := clockTicks(); hz < 1 || hz > 10000 {
		t.Errorf("clockTicks() = %d on this host", hz)
	}
}

func TestTicksToDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ticks, hz uint64
		want      time.Duration
	}{
		{0, 100, 0},
		{1, 100, 10 * time.Millisecond},
		{250, 100, 2500 * time.Millisecond},
		{1024 + 512, 1024, 1500 * time.Millisecond},
		{100 * 86400 * 365 * 50, 100, 50 * 365 * 24 * time.Hour}, // no overflow
	}
	for _, tt := range tests {
		if got := ticksToDuration(tt.ticks, tt.hz); got != tt.want {
			t.Errorf("ticksToDuration(%d, %d) = %v, want %v", tt.ticks, tt.hz, got, tt.want)
		}
	}
}

// TestReadGroupUsage checks that a process group's usage covers every
// process in it and the CPU time of children it has already reaped: a
// shell that ran a busy child, then waits on a sleeping one.
func TestReadGroupUsage(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh:", err)
	}
	// The sleep is forked first, so it is in the group once "done" is read.
	script := `sleep 60 & sh -c 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done'; echo done; wait`
	cmd := exec.Command(sh, "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	t.Cleanup(func() {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "done\n" {
		t.Fatalf("read %q, %v; want done", line, err)
	}

	groups, err := readGroupUsage(t.Context(), []int{pgid, syscall.Getpgrp()})
	if err != nil {
		t.Fatal(err)
	}
	g, ok := groups[pgid]
	if !ok || g.procs != 2 {
		t.Fatalf("group %d = %+v, %v; want sh and sleep", pgid, g, ok)
	}
	if g.cpu <= 0 {
		t.Errorf("group CPU = %v, want the reaped busy child's time", g.cpu)
	}
	if g.rssBytes < 2*uint64(os.Getpagesize()) {
		t.Errorf("group RSS = %d bytes, want at least two pages", g.rssBytes)
	}
	if self := groups[syscall.Getpgrp()]; self.procs < 1 || self.rssBytes < 1<<20 {
		t.Errorf("the test's own group = %+v, want this process and over 1 MB", self)
	}
	if _, ok := groups[-1]; ok || len(groups) != 2 {
		t.Errorf("groups = %v, want exactly the two asked for", groups)
	}
}

func TestDeploymentUsage(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t)
	d := deploy(t, rt, runtime.Plan{
		Variant:    "usage",
		Components: []runtime.Component{echo("a", 2, nil), echo("b", 0, []string{"a"})},
		Entry:      "b",
	})
	for range 20 {
		info(t, d.EntryURL()) // some work to account for
	}
	type key struct {
		component string
		replica   int
	}
	check := func(want []key) {
		t.Helper()
		us, err := d.Usage(t.Context())
		if err != nil {
			t.Fatalf("Usage: %v", err)
		}
		var got []key
		for _, u := range us {
			got = append(got, key{u.Component, u.Replica})
			t.Logf("%s-%d: CPU %v, resident %.1f MB", u.Component, u.Replica, u.CPU, float64(u.MemoryBytes)/(1<<20))
			if u.CPU < 0 || u.MemoryBytes < 1<<20 || u.CPULimit != 0 || u.MemoryLimitBytes != 0 {
				t.Errorf("%s-%d: CPU %v, memory %d bytes, limits %g and %d; want CPU >= 0, over 1 MB and no limits",
					u.Component, u.Replica, u.CPU, u.MemoryBytes, u.CPULimit, u.MemoryLimitBytes)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("Usage covers %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("Usage covers %v, want %v", got, want)
			}
		}
	}
	check([]key{{"a", 0}, {"a", 1}, {"b", 0}})
	if err := d.Kill("a", 1); err != nil {
		t.Fatal(err)
	}
	check([]key{{"a", 0}, {"b", 0}}) // an exited replica is left out
	if err := d.Stop(t.Context()); err != nil {
		t.Errorf("Stop: %v", err)
	}
	check(nil)
	if got := d.UsageSource(); got != "proc" {
		t.Errorf("UsageSource() = %q, want proc", got)
	}
}
