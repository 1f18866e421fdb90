// Package results aggregates load-generator results and persists them.
//
// A [Recorder] consumes the [loadgen.Result] stream of one variant's run and
// summarises it into a [VariantResult]: counts, error rates, latency
// percentiles per operation and per journey, cold starts and a per-second
// time series. A [Run] gathers the variant results of one scenario run with
// what was asked and where it ran; a variant that runs on a function
// platform also carries the platform's own account ([Platform]): what each
// function did, its cold starts and throttles, its billed GB-seconds, and
// the instance count per second of the series; and, when the runtime can
// measure it, what each replica used ([Resources]): CPU time and memory,
// sampled from /proc or the container engine while the scenario ran.
// [Write] stores it as
// <dir>/<run-id>/results.json and [Read] loads it back.
//
// # Schema
//
// results.json is versioned by its "schema" field, currently [SchemaVersion].
// Field names are snake_case. Spans of time are JSON numbers of seconds in
// fields ending in "_sec" (the [Duration] type); latency statistics are
// milliseconds in fields ending in "_ms". Go's nanosecond integers never
// appear in the file.
//
// Version v1 may grow: later versions of archbench add optional fields
// (pointers or omitempty) without changing the version, and readers ignore
// fields they do not know, so an older archbench still reads a newer v1
// file. Renaming or removing a field, or changing its unit or meaning, needs
// a new schema version; [Read] refuses any version it does not know.
//
// Every figure is labelled: [VariantResult.Label] says whether it was
// measured ([LabelMeasured]) or derived from a model ([LabelModeled]).
package results
