// Package varianttest deploys a registered variant for a test, on real
// processes, and checks what every variant's tests check: the contract
// holds and the data audit passes.
package varianttest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/archbench/archbench/audit"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/runtime"
	"github.com/archbench/archbench/scenarios"
	"github.com/archbench/archbench/variants"
)

// Deploy deploys the variant called name with env on rt and stops it when
// the test ends.
func Deploy(t *testing.T, rt runtime.Runtime, name string, env variants.Env) (runtime.Deployment, variants.Variant) {
	t.Helper()
	v, err := variants.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := v.Plan(env)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dep, err := rt.Deploy(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := dep.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return dep, v
}

// AuditPasses runs the data audit on dep and fails the test unless it
// passes, with every check run: a variant whose audit sources leave out its
// notification store would skip the confirmations check.
func AuditPasses(t *testing.T, dep runtime.Deployment, v variants.Variant) {
	t.Helper()
	rep, err := scenarios.Audit(context.Background(), dep, v)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Passed {
		t.Fatalf("data audit failed: %+v", rep.Checks)
	}
	if !slices.ContainsFunc(rep.Checks, func(c results.AuditCheck) bool { return c.Name == audit.CheckConfirmations }) {
		t.Fatalf("data audit did not check the confirmations (is the notification store among %s's audit sources?): %+v", v.Name, rep.Checks)
	}
}
