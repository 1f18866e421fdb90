package results

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// CurrentMachine describes the host this process runs on. Fields the host
// does not tell (CPU model, memory and kernel outside Linux) stay empty.
func CurrentMachine() Machine {
	m := Machine{
		OS:        runtime.GOOS,
		Arch:      runtime.GOARCH,
		CPUs:      runtime.NumCPU(),
		GoVersion: runtime.Version(),
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.CPUModel = cpuModel(b)
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		m.MemoryBytes = memTotal(b)
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// cpuModel returns the first "model name" in /proc/cpuinfo content, or on
// machines without one (some ARM kernels) the first "Hardware" or "Processor".
func cpuModel(cpuinfo []byte) string {
	var fallback string
	sc := bufio.NewScanner(bytes.NewReader(cpuinfo))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		switch key {
		case "model name":
			return value
		case "Hardware", "Processor":
			if fallback == "" {
				fallback = value
			}
		}
	}
	return fallback
}

// memTotal returns MemTotal from /proc/meminfo content in bytes, or 0.
func memTotal(meminfo []byte) uint64 {
	sc := bufio.NewScanner(bytes.NewReader(meminfo))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest) // "16318412 kB"
		if len(fields) == 0 {
			return 0
		}
		n, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil {
			return 0
		}
		if len(fields) > 1 && fields[1] == "kB" {
			n *= 1024
		}
		return n
	}
	return 0
}

// CurrentBuild identifies the running archbench binary from the build
// information Go stamps into it. A binary built with "go build" in a Git
// checkout carries its revision; "go test" and "go run" binaries do not.
func CurrentBuild() Build {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return Build{}
	}
	return buildFrom(info)
}

func buildFrom(info *debug.BuildInfo) Build {
	b := Build{Version: info.Main.Version}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// NewRun starts a Run of scenario: it sets the schema version, a fresh ID,
// the start time, and describes this machine and archbench build. The caller
// adds Params, Variants and FinishedAt.
func NewRun(scenario, profile string, started time.Time) Run {
	return Run{
		Schema:    SchemaVersion,
		ID:        NewRunID(scenario, started),
		Scenario:  scenario,
		Profile:   profile,
		StartedAt: started,
		Machine:   CurrentMachine(),
		Archbench: CurrentBuild(),
	}
}
