package process

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// procDir is where Linux shows its processes.
const procDir = "/proc"

// userHZ is the unit of /proc's CPU times when the kernel does not say
// otherwise: Linux's USER_HZ, 100 on every common architecture.
const userHZ = 100

// atClkTck is the auxiliary vector entry holding the kernel's USER_HZ
// (AT_CLKTCK in <elf.h>); atNull ends the vector.
const (
	atNull   = 0
	atClkTck = 17
)

// readGroupUsage scans every process in /proc once and sums, for each
// process group in pgids, the CPU time and resident memory of its
// processes. A group with no process has no entry. Processes that exit
// during the scan are skipped.
func readGroupUsage(ctx context.Context, pgids []int) (map[int]groupUsage, error) {
	want := make(map[int]bool, len(pgids))
	for _, g := range pgids {
		want[g] = true
	}
	entries, err := os.ReadDir(procDir)
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	hz := clockTicks()
	page := uint64(os.Getpagesize())
	ticks := map[int]uint64{}
	out := map[int]groupUsage{}
	for i, e := range entries {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 {
			continue // not a process
		}
		line, err := os.ReadFile(filepath.Join(procDir, e.Name(), "stat"))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
				continue // it exited
			}
			return nil, fmt.Errorf("read process %d: %w", pid, err)
		}
		st, err := parseStat(line)
		if err != nil {
			return nil, fmt.Errorf("process %d: %w", pid, err)
		}
		if !want[st.pgrp] {
			continue
		}
		g := out[st.pgrp]
		ticks[st.pgrp] += st.ticks
		g.rssBytes += st.rssPages * page
		g.procs++
		out[st.pgrp] = g
	}
	for pgrp, g := range out {
		g.cpu = ticksToDuration(ticks[pgrp], hz)
		out[pgrp] = g
	}
	return out, nil
}

// ticksToDuration converts clock ticks at hz per second to a duration.
func ticksToDuration(ticks, hz uint64) time.Duration {
	sec, rest := ticks/hz, ticks%hz
	return time.Duration(sec)*time.Second + time.Duration(rest)*time.Second/time.Duration(hz)
}

// procStat is what Usage needs of one process's /proc/PID/stat.
type procStat struct {
	pgrp int
	// ticks is utime + stime + cutime + cstime: the process's CPU time and
	// that of the children it has reaped, in clock ticks.
	ticks uint64
	// rssPages is the resident set size in pages.
	rssPages uint64
}

// parseStat parses a line of /proc/PID/stat (see proc(5)). The second
// field, the command name in parentheses, may itself hold spaces and
// parentheses, so the fields are counted after the last ')'.
func parseStat(line []byte) (procStat, error) {
	i := bytes.LastIndexByte(line, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("stat line %.40q has no command name in parentheses", line)
	}
	// After the name: state (field 3), ppid, pgrp (5), ..., utime (14),
	// stime (15), cutime (16), cstime (17), ..., rss (24).
	f := bytes.Fields(line[i+1:])
	const (
		pgrp   = 5 - 3
		utime  = 14 - 3
		stime  = 15 - 3
		cutime = 16 - 3
		cstime = 17 - 3
		rss    = 24 - 3
	)
	if len(f) <= rss {
		return procStat{}, fmt.Errorf("stat line %.40q has %d fields after the command name, want at least %d", line, len(f), rss+1)
	}
	var st procStat
	pg, err := strconv.Atoi(string(f[pgrp]))
	if err != nil {
		return procStat{}, fmt.Errorf("stat line: pgrp: %w", err)
	}
	st.pgrp = pg
	for _, j := range []int{utime, stime, cutime, cstime} {
		// cutime and cstime are signed in proc(5), but never negative.
		n, err := strconv.ParseUint(string(f[j]), 10, 64)
		if err != nil {
			return procStat{}, fmt.Errorf("stat line: field %d: %w", j+3, err)
		}
		st.ticks += n
	}
	// rss is signed too; a kernel thread's is 0.
	n, err := strconv.ParseInt(string(f[rss]), 10, 64)
	if err != nil {
		return procStat{}, fmt.Errorf("stat line: rss: %w", err)
	}
	st.rssPages = uint64(max(n, 0))
	return st, nil
}

// clockTicks returns the unit of /proc's CPU times, in ticks per second: the
// kernel's USER_HZ as it tells every process in its auxiliary vector (what
// sysconf(_SC_CLK_TCK) returns), or userHZ if that cannot be read.
func clockTicks() uint64 {
	b, err := os.ReadFile(filepath.Join(procDir, "self", "auxv"))
	if err != nil {
		return userHZ
	}
	if hz, ok := auxvClockTicks(b); ok {
		return hz
	}
	return userHZ
}

// auxvClockTicks finds AT_CLKTCK in an auxiliary vector: pairs of native
// words, type then value, ended by AT_NULL.
func auxvClockTicks(auxv []byte) (uint64, bool) {
	const word = strconv.IntSize / 8
	read := func(b []byte) uint64 {
		if word == 8 {
			return binary.NativeEndian.Uint64(b)
		}
		return uint64(binary.NativeEndian.Uint32(b))
	}
	for ; len(auxv) >= 2*word; auxv = auxv[2*word:] {
		switch typ, val := read(auxv), read(auxv[word:]); typ {
		case atNull:
			return 0, false
		case atClkTck:
			return val, val > 0
		}
	}
	return 0, false
}
