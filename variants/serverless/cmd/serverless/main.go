// Command serverless is the serverless variant's program. Without -function
// it is the function platform (package faas) serving the shop's front door;
// the platform starts each function instance by running this same program
// with -function NAME, as a cloud FaaS runs a function's code package. It
// speaks the runtime's component protocol (package runtime/component) and
// needs two peers: -peer psp=URL -peer broker=URL.
package main

import (
	"os"

	"github.com/archbench/archbench/faas/program"
	"github.com/archbench/archbench/variants/serverless"
)

func main() {
	os.Exit(program.Main(serverless.Name, os.Args[1:], serverless.Functions()))
}
