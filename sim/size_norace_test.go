//go:build !race

package sim

// longRun is the number of measured requests in the tests that compare
// the simulator with closed forms. At 2 % tolerance it leaves the
// estimates' standard error (about 0.3 % to 0.5 %) several times smaller
// than the tolerance.
const longRun = 2_000_000
