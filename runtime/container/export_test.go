package container

import (
	"context"
	"time"
)

// WithPortChooser makes the Runtime choose replicas' host ports with
// choose instead of freePort, so that a test can hand it a taken port.
func WithPortChooser(choose func() (int, error)) Option {
	return func(r *Runtime) { r.choosePort = choose }
}

// WithRebindWait makes the Runtime wait between a stopped replica's tries
// to start again on its taken host port with wait instead of sleeping, so
// that a test can free the port, or count the tries, without a clock.
func WithRebindWait(wait func(ctx context.Context, d time.Duration) error) Option {
	return func(r *Runtime) { r.rebindWait = wait }
}

// RebindPauses are the waits between those tries.
var RebindPauses = rebindPauses
