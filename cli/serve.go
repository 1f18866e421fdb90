package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/archbench/archbench/variants"
)

const serveHelp = `
Builds and starts one variant (with its payment provider) as local processes
or containers (-runtime), prints its entry URL and every component's URL, and
keeps it running until Ctrl-C, then stops every process or container it
started. Use it to explore a variant with
curl or to point 'archbench load' at it.`

func runServe(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "serve", "[flags]", serveHelp)
	name := fs.String("variant", "monolith", "variant to start ("+joinNames()+")")
	venv := variantEnvFlags(fs)
	rtf := runtimeFlagsOn(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := rtf.validate(); err != nil {
		return badFlag(fs, err)
	}
	v, err := variants.Lookup(*name)
	if err != nil {
		return badFlag(fs, fmt.Errorf("-variant: %w", err))
	}
	if err := venv.validate(); err != nil {
		return badFlag(fs, err)
	}
	plan, err := v.Plan(venv.Env)
	if err != nil {
		return badFlag(fs, fmt.Errorf("-replicas: %w", err))
	}
	rt, closeRuntime, note, err := rtf.open(ctx, slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), env.Stderr)
	if err != nil {
		return err
	}
	defer closeRuntime()
	fmt.Fprintln(env.Stderr, note)
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
