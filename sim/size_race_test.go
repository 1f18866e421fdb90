//go:build race

package sim

// longRun is smaller under the race detector, which slows the engine down
// several times; at this size the estimates' standard error (about 0.4 %
// to 0.7 %) is still well within the tests' 2 % tolerance.
const longRun = 1_000_000
