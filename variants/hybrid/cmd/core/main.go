// Command core is the hybrid variant's monolith core (see package hybrid).
// It speaks the runtime's component protocol and needs two peers:
// -peer psp=URL -peer broker=URL.
package main

import (
	"os"

	"github.com/archbench/archbench/runtime/component"
	"github.com/archbench/archbench/variants/hybrid"
)

func main() {
	os.Exit(component.Main(hybrid.Core, os.Args[1:], nil, hybrid.NewCore))
}
