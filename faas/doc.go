// Package faas is a function platform that behaves like a cloud FaaS (AWS
// Lambda behind API Gateway, or Cloud Functions), so that a serverless
// architecture can be measured on one machine with the costs and limits it
// has in the cloud. Each rule imitates a documented cloud behaviour:
//
//	rule                                   imitates
//	a front door maps routes to functions  API Gateway's proxy integration: the
//	                                       whole HTTP request goes to the function
//	one request per instance at a time     Lambda execution environments
//	no idle instance: start one (a cold    Lambda's cold start: a new execution
//	  start: a new OS process, or a new    environment, the runtime's start and
//	  container), timed apart from the     the function's init code, reported
//	  handler                              as Init Duration
//	idle instances are reused, most        warm starts; instances are frozen
//	  recently used first (provisioned     between invocations
//	  ones before the others)
//	idle longer than KeepAlive: reclaimed  Lambda reclaims idle environments
//	  (scale to zero)                      (minutes, not published)
//	ReservedConcurrency per function and   reserved concurrency and the regional
//	  AccountConcurrency across functions  account limit: beyond them, 429
//	  cap busy instances; beyond: 429      TooManyRequestsException (throttles)
//	Provisioned instances start before     provisioned concurrency: used
//	  traffic, are never reclaimed, are    before on-demand environments,
//	  replaced when they die, and their    billed a standing charge and a
//	  invocations are billed apart         lower duration price
//	MemoryMB per function; billing by      Lambda pricing: duration rounded up
//	  GB-second, duration rounded up to    to 1 ms (since Dec 2020) × memory;
//	  1 ms, init included on cold starts   the INIT phase billed (since Aug 2025)
//	Timeout per function: 504, and the     Lambda's function timeout; the
//	  instance is discarded                environment is reset afterwards
//	request bodies up to 6 MB, read in     Lambda's synchronous payload limit;
//	  full before an instance is taken     API Gateway receives the whole
//	  (a caller leaving mid-upload never   request before it invokes the
//	  reaches one)                         function
//	Triggers: broker subjects invoke a     asynchronous invocation from an event
//	  function per message, retried with   source; Lambda retries twice (3
//	  backoff up to MaxAttempts (3), then  attempts), then drops or dead-letters
//	  dropped and counted
//	Schedules invoke a function at an      EventBridge scheduled rules
//	  interval
//
// Functions must be stateless: nothing an instance keeps between
// invocations may matter to correctness, because any invocation may land on
// a new instance. What an instance may keep is what a Lambda function keeps
// in globals: connections and caches.
//
// The platform is generic: a Launcher starts instances (ProcessLauncher:
// one OS process each; a container launcher can do the same with one
// container each), and the function code is whatever program the launcher
// runs. That program serves the function's HTTP routes, or EventPath for
// events (see EventHandler), and announces readiness with the component
// protocol's ready line (package runtime/component).
//
// Responses carry ColdStartHeader ("true" on a cold start) and, on a cold
// start, InitDurationHeader, so a load generator can split latency into
// cold and warm. Stats, served at StatsPath, hold per function the
// invocations, cold starts and their init times, throttles, errors, dead
// letters, billed duration and GB-seconds (the part on provisioned
// instances apart), the provisioned instances, and the instance count
// second by second. What the instances themselves serve (their databases'
// counts, say) an Observer (see WithObserver) can read: it is told of each
// instance when it starts, and when it is retired, before it is stopped.
package faas
