package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/archbench/archbench/runtime/process"
	"github.com/archbench/archbench/variants"
)

const serveHelp = `
Builds and starts one variant (with its payment provider) as local processes,
prints its entry URL and every component's URL, and keeps it running until
Ctrl-C, then stops every process it started. Use it to explore a variant with
curl or to point 'archbench load' at it.`

func runServe(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "serve", "[flags]", serveHelp)
	name := fs.String("variant", "monolith", "variant to start ("+joinNames()+")")
	venv := variantEnvFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	v, err := variants.Lookup(*name)
	if err != nil {
		return badFlag(fs, fmt.Errorf("-variant: %w", err))
	}
	if err := venv.validate(); err != nil {
		return badFlag(fs, err)
	}
	rt := process.New(process.WithLogger(slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	defer rt.Close()
	plan, err := v.Plan(venv.Env)
	if err != nil {
		return badFlag(fs, fmt.Errorf("-replicas: %w", err))
	}
	dep, err := rt.Deploy(ctx, plan)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := dep.Stop(sctx); err != nil {
			fmt.Fprintf(env.Stderr, "stop: %v\n", err)
		}
	}()
	fmt.Fprintf(env.Stdout, "%s is running at %s\n", v.Name, dep.EntryURL())
	for _, c := range plan.Components {
		fmt.Fprintf(env.Stdout, "  %-12s %v\n", c.Name, dep.URLs(c.Name))
	}
	fmt.Fprintln(env.Stdout, "Press Ctrl-C to stop.")
	<-ctx.Done()
	fmt.Fprintln(env.Stdout, "stopping")
	return nil
}
