// Package k6 is archbench's cross-check against a second, independent load
// generator: Grafana k6 (pinned in go.mod as a Go tool, go.k6.io/k6).
//
// archbench's figures come from its own open-loop generator (package
// loadgen). A bug there — a schedule that drifts, a latency clock that starts
// late, a miscounted error — would skew every result without anyone
// noticing. This package drives the same shop with k6 instead: [Export]
// writes a k6 script with the same three journeys (workload.Browse,
// workload.AddToCart, workload.Checkout), the same requests, the same
// expected statuses and the same operation names, under the same open-loop
// arrival shape; [Run] runs it with `k6 run` and turns k6's summary into a
// results.VariantResult whose Generator.Name is "k6", so the two generators'
// results sit side by side in one report. When both agree, within what
// differs in how they measure (the result's Notes list it), the figures are
// believable.
//
// k6 is not a drop-in replacement, and the result says so in its Notes:
// its latency is timed from when a request was actually sent, not from when
// its journey was due, and excludes connection set-up; its iterations start
// on a free virtual user or are dropped; and its random choices follow the
// same distributions as the workload's but are not the same draws.
package k6
