package scenarios

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/archbench/archbench/runtime"
)

// plainRuntime deploys at once and cannot prepare.
type plainRuntime struct{}

func (plainRuntime) Name() string { return "plain" }
func (plainRuntime) Deploy(context.Context, runtime.Plan) (runtime.Deployment, error) {
	return &fakeDeployment{}, nil
}

// buildingRuntime takes build to prepare a plan, and as long again to
// deploy one it has not prepared, as a runtime that builds on deploy does.
type buildingRuntime struct {
	plainRuntime
	build    time.Duration
	err      error
	prepared map[string]bool
	deployed int
}

func (r *buildingRuntime) Prepare(ctx context.Context, p runtime.Plan) error {
	if r.err != nil {
		return r.err
	}
	time.Sleep(r.build)
	r.prepared[p.Variant] = true
	return nil
}

func (r *buildingRuntime) Deploy(ctx context.Context, p runtime.Plan) (runtime.Deployment, error) {
	r.deployed++
	if !r.prepared[p.Variant] {
		time.Sleep(r.build)
	}
	return &fakeDeployment{}, nil
}

// TestDeployTimedLeavesTheBuildOut checks that a runtime that can build
// ahead builds before the clock starts, so the ready time is the deploy
// alone; that a failed build deploys nothing and returns the build's error; and
// that a runtime that cannot prepare is deployed as it is.
func TestDeployTimedLeavesTheBuildOut(t *testing.T) {
	const build = 300 * time.Millisecond
	plan := runtime.Plan{Variant: "monolith"}

	rt := &buildingRuntime{build: build, prepared: map[string]bool{}}
	dep, ready, err := deployTimed(t.Context(), rt, plan, nil, "steady monolith")
	if err != nil || dep == nil {
		t.Fatalf("deployTimed = %v, %v", dep, err)
	}
	if !rt.prepared["monolith"] || rt.deployed != 1 {
		t.Errorf("prepared %v, deployed %d times; want the plan prepared, then deployed once", rt.prepared, rt.deployed)
	}
	if ready >= build {
		t.Errorf("ready in %s, want less than the %s build", ready, build)
	}

	buildErr := errors.New("build monolith: exit status 1")
	failing := &buildingRuntime{err: buildErr, prepared: map[string]bool{}}
	if _, _, err := deployTimed(t.Context(), failing, plan, nil, "steady monolith"); !errors.Is(err, buildErr) {
		t.Errorf("deployTimed with a failing build = %v, want the build's error", err)
	}
	if failing.deployed != 0 {
		t.Errorf("a failed build was deployed %d times", failing.deployed)
	}

	if dep, _, err := deployTimed(t.Context(), plainRuntime{}, plan, nil, "steady monolith"); err != nil || dep == nil {
		t.Errorf("deployTimed on a runtime that cannot prepare = %v, %v", dep, err)
	}
}
