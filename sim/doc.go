// Package sim is a discrete-event simulator of request flows through an
// architecture: the shop as a monolith, as microservices, as functions or
// as a hybrid, each described as a network of queues (a [Model]). Given
// an arrival rate it predicts throughput, latency percentiles, queueing,
// replicas, function instances, cold starts and billed GB-seconds. Every
// figure it produces is modeled, not measured, and labelled so
// ([Label]).
//
// A model is built in code or read from a JSON file with [Load] (strict:
// unknown fields are errors, and [Model.Validate] names every bad field
// and the values it may take); [Model.Write] writes it back, indented,
// for a user to edit. testdata/mm1.json is a textbook M/M/1 queue and
// testdata/microservices.json the shop as microservices. [Run] simulates
// a model; [Model.WithRate] changes its arrival rate cheaply, so a model
// calibrated from measurements can be run at many rates.
//
// # Semantics
//
// Requests arrive open loop (they do not wait for each other): a Poisson
// process whose rate is constant, or piecewise constant in phases, plus
// bursts of simultaneous requests. Each request gets a class (an
// operation) drawn by weight, and makes its class's route: a sequence of
// visits, each to a station or a pool, optionally branching with
// probabilities (a Jackson network).
//
// A station is a set of replicas, each with c servers and an unbounded or
// bounded first-come-first-served queue; a load balancer (round robin or
// shortest queue) picks a replica per visit. A delay station has a server
// for every request, so it never queues: it stands for waiting (I/O, a
// third party), not for cores, and is not billed as CPU. A visit holds
// one server for its service time only: the services do asynchronous
// I/O, so a caller does not hold its server while a downstream station
// works on its behalf. A call and its return are therefore modelled as
// visits to the caller, the callee and, if it does work afterwards, the
// caller again. A visit marked Hold keeps its server past its service,
// through the visits that follow, until a visit marked Release ends or
// the request leaves: a resource held across other work, such as a
// database's single writer held through a transaction whose code waits
// for a CPU. A request arriving at a full queue is rejected. Where the
// waiters poll instead of queueing (PollMs), as processes do for a SQLite
// file's write lock, a request sleeps a schedule of delays between tries
// and takes a server only when it tries, so a freed server idles until
// the next try. An
// autoscaler may add replicas, after a start-up delay, and drain them, by
// utilisation.
//
// A pool is a function platform: each concurrent request has an instance
// of its own, reusing the most recently idle one or starting a new one
// (a cold start, added to that request's latency); instances idle for the
// keep-alive stop, provisioned ones never do; beyond the concurrency
// limit requests are throttled, and beyond the account's, over every
// pool, too. A cold start may hold a server of a station (a CPU of the
// machine the instances start on) for its length, queueing there with
// the requests. A visit that holds its instance (Hold on a pool) keeps it
// busy until the request leaves, as a function waits for its database
// from inside the invocation. Billing follows AWS Lambda: each
// invocation's duration, cold start included, rounded up to the
// millisecond, times the memory.
//
// Moving between two different stations or pools costs a network hop,
// drawn from the model's Hop distribution. An async visit is fire and
// forget: a copy of the request makes it while the request goes on.
//
// A fault window makes a station or pool "down" (requests arriving, or
// finishing service, in the window fail, after an optional delay) or
// "slow" (service times starting in the window are multiplied).
//
// A station or pool may carry a load curve ([LoadFactor]): a factor that
// depends on the offered arrival rate of the phase in which each service
// starts (after the phases, the base rate), interpolated in the logarithm
// of the rate between the curve's points and held beyond them
// ([LoadFactorAt]). It multiplies a service time drawn up to its
// distribution's median, and moves one drawn beyond it by as much as it
// moves the median: the body of the distribution scales, its tail keeps
// its length. It states what measured systems do and queues do not: run
// faster per request as load rises, until queueing takes over.
//
// The run is deterministic: the same model, options and seed give the
// same Result, on any machine. Random numbers come from a PCG generator
// seeded by [WithSeed] ([DefaultSeed] otherwise); there is no global state,
// so runs may go on concurrently.
//
// # What is measured
//
// Requests that arrive before the warm-up ends are simulated but not
// counted. Per-class and per-visit counts, latencies and billing cover the
// requests that arrive in the measured window, from the warm-up to the
// end of the arrivals, followed to their end; time averages
// (utilisation, queue length, requests in flight, instance- and
// replica-seconds) cover the window itself. After the arrivals end, the
// requests in flight are let finish, for at most the longer of 60 s and
// the arrivals' duration of simulated time; those still in flight then
// are counted as unfinished. The per-second series covers the whole run.
//
// # What it does not model
//
//   - CPU contention between stations on one machine, garbage collection,
//     or memory limits: a station's servers are independent of the
//     others'. Calibrate service times on the machine being modelled.
//   - Timeouts, retries, circuit breakers and back-pressure: a request
//     waits as long as its queue makes it, and a failed request is not
//     retried.
//   - A caller waiting on a connection pool or holding a thread during a
//     downstream call, unless the model says so: such a limit is a
//     station, held (Visit.Hold) across the visits it spans.
//   - Parallel fan-out within a request: a route is sequential, apart
//     from async visits, whose outcome the request does not wait for.
//   - Request sizes, bandwidth, and time-varying service (beyond slow
//     faults); hops are independent draws, not a shared network.
//   - The autoscaler has no stabilisation window and no metric lag beyond
//     its interval; a replica's start-up is a fixed delay, and a down
//     fault fails requests but does not restart replicas.
//   - Provisioned concurrency's standing charge, and any price: billing
//     is in GB-seconds, to be priced elsewhere.
package sim
