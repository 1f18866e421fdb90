// Package calibrate turns measured runs into simulator models ([sim.Model])
// and checks them against measurements they were not calibrated on.
//
// [FromRun] calibrates a model of one variant from a steady-load run (the
// steady scenario's results.json), and [Calibrate] from one result; the
// [Calibration] holds the model, to write with its Write method for a
// user to read and edit, and how it was built. [Validate] runs a model at
// the rates of another run's measurements (each step of a ramp) and
// reports the prediction errors of throughput, p50 and p99, which
// measurements were below saturation, and up to which rate the model is
// within [Target]. [ValidateLeaveOneOut] checks a model against a ramp
// one rate at a time, its load curve fitted to the ramp's other steps, so
// that the error is the model's and not the difference between two runs.
// [Method] says how models are built and what they leave out, for a
// report.
//
// A model is a Poisson stream of the variant's operations through the
// machine's CPUs and a delay; every figure it predicts is modeled, not
// measured.
package calibrate

// Method describes how a calibrated model is built and where it is not to
// be trusted, in words for a report.
const Method = `How the model is built. Each operation of the variant is a class of
the model, weighted by its share of the measured requests, arriving as a
Poisson stream at the measured request rate; the steady run's repetitions
are merged, leaving out one whose errors, dropped journeys or cold starts
were five times every other's (a stall, or a storm of cold starts, in that
round alone: not the steady state the model is of), as the model's line
below says. A request first visits a
station "cpu" with as many servers as the machine has CPUs and holds one
for the operation's CPU demand (always that long by default, so no request
is faster than measured; exponential with WithCPUService). The demand is by
default the operation's latency floor, the fastest it was measured to
complete: the generator's and the services' work along the request's path,
with no queueing and no waiting. With DemandCPU it is the CPU time the run
accounted per request (the variant's processes, and the load generator that
shared the machine), split over the operations in proportion to their
floors; at the rates of the example runs this is 2.6 to 3.4 times the
floor, more than some operations' measured p50, and the spike run shows
every variant carrying 1,000 req/s that this demand says it cannot. With
DemandMarginal (what a bench uses when it can) it is the CPU a request
adds: the slope of the CPU measured (the variant's and the generator's, in
cores) against throughput, fitted by least squares over the calibration
run's repetitions and the phases of the load points' run from the
calibration rate up (the spike's burst; its base, at a third of the
rate, is left out unless the line needs it: a nearly idle machine spends
CPU on each request that a busy one does not, which would steepen the
line), split over the operations by their floors as well; CPU that does
not grow with load (the line's value at no load) is left out. The rest of
each operation's latency (I/O, network hops, the payment provider, a function's
run) is a delay without a queue (the "wait" station, or, when a function
platform is the front door, the pool of the function the operation's
route invokes): its distribution runs
through the operation's measured percentiles less the demand, with points
between them from p50 up that follow a power law of the share of requests
beyond (so that the tenth of requests beyond p90 lies mostly near p90, not
evenly up to p99; a mix of operations drawn evenly there had a p99 far above
the measured one) (a log-normal
fitted to p50, p90 and p99 by least squares replaces it when within 5 % of
them), and is then corrected over a few simulated rounds until the model
reproduces the calibration run's p50, p90 and p99 of every operation. A
run that counted its SQLite writers per operation (results.WriterUsage)
adds a station with one server for each database's writer: an
operation's writes to it, per request as measured, take it and hold it
through the part of the operation's CPU demand on its path that they
held it for (beyond that demand, through a delay), so that a write whose
goroutine waits for a CPU keeps the writer from the writes behind it. A
function platform adds a pool per function, as a cloud scales, keeps
warm and cold-starts each function apart: its memory, provisioned
instances and measured cold starts, and the platform's keep-alive, with
the platform's account limit over all of them, as the platform recorded
them. Where the platform serves the requests, a request spends the load
generator's share of its CPU demand first (waiting for a CPU, as the
generator's send does on a busy machine), then takes its function's
instance and holds it through the rest of its demand, its waits for a
CPU and its writes; a cold start holds a CPU for its length, as the
instances start on the machine. The functions no route invokes (an
event's consumer, a schedule's job) are async visits, at most one a
request, spread evenly over the operations. A result from before the platform recorded its routes and
limits gets one pool for every function, with the variants' keep-alive
(60 s) and an account limit of 100.
Measured latencies fall as load rises, well before queueing makes them
grow (busy CPUs do not sleep between requests, caches stay warm, a busy
runtime hands work over without waking threads), which no queue produces.
So, given latencies measured at other rates (WithLoadPoints: the spike
run's base and burst, in a bench), the delays get a load curve: at each
such rate, the factor on them with which the simulated p50 matches the
measured one, found by simulation; 1 at the calibration rate; between
rates by the logarithm of the rate, and held beyond the highest and lowest.
The factor scales a delay's body, up to its median, and moves its tail by
as much as the median (sim.LoadFactor): measured p99s hardly move while
p50s fall with load, and scaling the tails as well had put the monolith's
p99 at 2.6 to 5 times the measured at the ramp's low steps.

How it is checked, twice. Against a ramp run it was not calibrated on:
each step is simulated at its rate and compared; steps near a rate the
model was calibrated at (in its own runs) are marked "calibrated", and
their error is what separates two runs' measurements at one rate. Then
one rate held out at a time: the load curve is fitted afresh to the
ramp's own steps below saturation, and each step is predicted with the
curve through the other rates' steps only (the demand and the delays'
shape as calibrated). Between measured rates this tests the curve's
interpolation; at the lowest and highest steps, its extrapolation and the
CPU queue. A step the ramp tried again at a knee counts as saturated in
both, whichever try passed.

Where not to trust it. The shared resources are the CPU, as one M/M/c
queue, and the SQLite writers where the calibration run counted them per
operation: no memory, garbage-collection pauses, other locks, connection
pools or per-process limits. A writer's hold is what a write held it
for at the calibration rate, where writes waited little for a CPU (the
cpu station adds the waits of busier rates); writes no request started
(event consumers, outboxes) hold a writer as async visits that requests
set off, spread evenly over the operations, not when their events come,
and only on writers that requests hold; the file lock between processes
that share a database is left out (each component's replicas are one
writer). The validation tables give each
ramp step's busiest writer as measured (how busy, and how long a write
waited for it) beside the model's. CPU accounted per request at low load includes CPU
that does not grow with load (idle runtimes spinning, timers, background
work), so DemandCPU saturates too early; the latency floor leaves out CPU
spent off the request's path (async work, garbage collection), so it can
saturate too late. The marginal CPU is a straight line through two or
three rates well below saturation; a busy machine gets more done per
CPU second (fewer wake-ups, batched system calls), so beyond the highest
rate it can overstate the demand: measured CPU grows as the rate to a
power of 0.67 to 0.82 (MarginalCPU.Exponent, on three runs of
2026-11-23 and 2026-12-06). On those runs, over both checks' 146
predictions of ramp steps, leaving the spike's base out of the line cut
the mean p50 error at steps measured below saturation from 21 % to 17 %
and the steps where the model saturates early from 10 to 6 (it misses
saturation at 10 either way), while the CPU it puts in use at 900 req/s
and above went from 1 % over the measured to 11 % under, on average. A
demand falling with the rate as the power law does was tried too and is
not used: it reached 14 % only by putting that CPU 27 % under the
measured, and it missed saturation at 24 steps. Without load points the delays do not change with
load; with them, the curve is measured at two or three rates and assumed
between and beyond them, and rates near them are not held out (the
validation table says which are). Run-to-run differences of p50 at one
rate can come near the target on their own. A function's cold start
takes as long as it did at the calibration rate, all of it on a CPU (a
start measured alone is nearly all CPU); the platform's own work for a
request (reading it, proxying it) is not told apart from the instance's,
so the instance is held through it too. Whether a burst sets off a storm
of cold starts turns on small differences in how long instances are
held: the model gives one outcome for its mean demands, not how likely
a storm is. Hop counts are
recorded in class names only: their cost is inside the measured latencies.`
