package process

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/archbench/archbench/runtime"
)

// harnessEnv carries a harnessConfig to a re-executed test binary that plays
// the harness (the archbench CLI, say) in TestHelperHarness.
const harnessEnv = "ARCHBENCH_PROCESS_HARNESS"

type harnessConfig struct {
	Bins    map[string]string
	WorkDir string
}

// harnessPIDs starts the line on which the harness reports its components.
const harnessPIDs = "HARNESS_PIDS"

// TestHelperHarness is not a test: run by startHarness, it deploys a plan
// the way the CLI does, prints the components' PIDs, and waits for SIGINT.
func TestHelperHarness(t *testing.T) {
	raw := os.Getenv(harnessEnv)
	if raw == "" {
		t.Skip("helper process for the harness tests")
	}
	var cfg harnessConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatal(err)
	}
	rt := New(WithBinaries(cfg.Bins), WithWorkDir(cfg.WorkDir))
	defer rt.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	plan := runtime.Plan{
		Variant:    "harness",
		Components: []runtime.Component{echo("a", 2, nil), echo("b", 0, []string{"a"})},
		Entry:      "b",
	}
	err := Run(ctx, rt, plan, func(ctx context.Context, d runtime.Deployment) error {
		var pids []string
		for _, p := range d.(*Deployment).Processes() {
			pids = append(pids, strconv.Itoa(p.PID))
		}
		fmt.Printf("%s %s\n", harnessPIDs, strings.Join(pids, " "))
		<-ctx.Done()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// startHarness runs TestHelperHarness in a child process and returns it once
// its components are ready, with their PIDs.
func startHarness(t *testing.T) (*exec.Cmd, []int, *bytes.Buffer) {
	t.Helper()
	cfg, err := json.Marshal(harnessConfig{Bins: echoBins, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHarness$", "-test.count=1")
	cmd.Env = append(os.Environ(), harnessEnv+"="+string(cfg))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	var transcript bytes.Buffer
	sc := bufio.NewScanner(io.TeeReader(out, &transcript))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), harnessPIDs+" ")
		if !ok {
			continue
		}
		var pids []int
		for _, f := range strings.Fields(rest) {
			pid, err := strconv.Atoi(f)
			if err != nil {
				t.Fatal(err)
			}
			pids = append(pids, pid)
		}
		go func() { _, _ = io.Copy(io.Discard, out) }() // keep draining until exit
		return cmd, pids, &stderr
	}
	_ = cmd.Wait()
	t.Fatalf("harness reported no PIDs; stdout:\n%s\nstderr:\n%s", transcript.String(), stderr.String())
	return nil, nil, nil
}

func TestHarnessSIGINTStopsComponents(t *testing.T) {
	t.Parallel()
	cmd, pids, stderr := startHarness(t)
	if len(pids) != 3 {
		t.Fatalf("harness reported PIDs %v, want 3", pids)
	}
	for _, pid := range pids {
		if gone(pid) {
			t.Fatalf("component %d not running", pid)
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("harness: %v\n%s", err, stderr)
	}
	// The harness reaped its components before it exited.
	assertReaped(t, pids)
}

func TestHarnessSIGKILLTakesComponents(t *testing.T) {
	t.Parallel()
	cmd, pids, _ := startHarness(t)
	if len(pids) != 3 {
		t.Fatalf("harness reported PIDs %v, want 3", pids)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	// Pdeathsig kills the orphans asynchronously: poll with a deadline.
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for !gone(pid) {
			if time.Now().After(deadline) {
				t.Errorf("component %d outlived its SIGKILLed harness", pid)
				for _, pid := range pids {
					_ = syscall.Kill(pid, syscall.SIGKILL) // do not leak it
				}
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}
