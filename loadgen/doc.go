// Package loadgen is archbench's open-loop load generator.
//
// A closed-loop generator (wrk, a pool of threads that sleep and then call)
// sends a user's next request only after the previous answer: when the
// system under test stalls, the generator stalls with it and sends less, so
// the slow period is sampled by a handful of requests instead of the many
// that real users would have kept sending. That is coordinated omission; it
// hides exactly the latencies a benchmark is meant to find.
//
// loadgen is open loop, like vegeta's pacers and k6's arrival-rate
// executors: a [Schedule] fixes when each iteration is due from elapsed time
// alone, a [Generator] starts each iteration when due whatever happened to
// earlier ones, and latency is measured from the due time, so waiting to be
// sent counts. When MaxInFlight iterations are already running, a due
// iteration is dropped and reported as such, never quietly delayed.
//
// An iteration runs one [Journey] of a weighted [Mix], which sends its
// requests through a [Session]; every request, and every dropped iteration,
// becomes a [Result] streamed on [Attack.Results]. Aggregating and
// reporting them is left to the consumer.
package loadgen
