// Command notifications is the hybrid variant's function platform with its
// notification function (see package hybrid and faas/program). Peers:
// broker (the trigger's source), core (where confirmations are recorded).
package main

import (
	"os"

	"github.com/archbench/archbench/faas/program"
	"github.com/archbench/archbench/variants/hybrid"
)

func main() {
	os.Exit(program.Main(hybrid.Notifications, os.Args[1:], hybrid.Functions()))
}
