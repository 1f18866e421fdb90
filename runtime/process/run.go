package process

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/archbench/archbench/runtime"
)

// StopTimeout bounds the Stop that Run does after fn returns. The process
// runtime kills stragglers after its own, shorter, stop grace anyway.
const StopTimeout = 30 * time.Second

// Run deploys plan on rt, calls fn with the deployment, and always stops the
// deployment afterwards, also when fn fails or ctx is cancelled (Ctrl-C):
// Stop gets a fresh context bounded by StopTimeout, so a cancelled ctx still
// leads to a graceful stop. It works with any runtime.Runtime. The error
// joins fn's error and Stop's.
func Run(ctx context.Context, rt runtime.Runtime, plan runtime.Plan, fn func(context.Context, runtime.Deployment) error) (err error) {
	d, err := rt.Deploy(ctx, plan)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), StopTimeout)
		defer cancel()
		if serr := d.Stop(sctx); serr != nil {
			err = errors.Join(err, serr)
		}
	}()
	if err := fn(ctx, d); err != nil {
		return fmt.Errorf("run %s on %s: %w", plan.Variant, rt.Name(), err)
	}
	return nil
}
