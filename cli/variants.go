package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/archbench/archbench/variants"
)

func runVariants(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "variants", "", "Lists the architecture variants archbench can run.")
	if err := parse(fs, args); err != nil {
		return err
	}
	for _, v := range variants.All() {
		fmt.Fprintf(env.Stdout, "%-14s %s\n", v.Name, v.Summary)
	}
	return nil
}

func joinNames() string { return strings.Join(variants.Names(), ", ") }

// setFlags returns the names of the flags given on the command line.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}
