// Package cost estimates what a variant would cost in the cloud, from what
// it used in a measured run (results.VariantResult) and a table of prices
// (Pricing). The inputs are measured; the prices, and so every dollar
// figure, are modeled. An Estimate lists both, labelled, so that a report
// can show which is which.
//
// # Two models
//
// A variant with a function platform (VariantResult.Platform present) is
// billed as serverless, pay per use:
//
//   - compute: the platform's billed GB-seconds × functions.gb_second_usd,
//     those billed on provisioned instances at
//     functions.provisioned_duration_gb_second_usd instead;
//   - invocations: the platform's invocations × functions.per_million_requests_usd;
//   - provisioned instances (provisioned concurrency), when a function has
//     any: their memory, by the hour, busy or not, at
//     functions.provisioned_gb_second_usd, a fixed cost like a load
//     balancer's;
//   - front door: the clients' requests × api_gateway.per_million_requests_usd,
//     when clients enter through the platform (the default; WithEntry names
//     another entry, such as the hybrid's gateway, which is then billed as a
//     container behind a load balancer instead);
//   - every other component in Resources (a broker, the hybrid's core and
//     services) as provisioned containers by the rule below. The
//     platform's own replica is not: its work is what the GB-seconds bill.
//
// The platform's counts cover the warm-up as well as the measured window,
// so they are divided by the clients' requests over the same span to give a
// cost per request: achieved.requests + achieved.warmup_requests, or, when
// the warm-up ran apart and its requests were not counted (warmup_requests
// is 0 but requested.warmup_sec is not), achieved.requests + the requested
// warm-up × achieved.requests_per_sec, an estimate the Estimate lists as
// modeled. Events and schedules the platform ran on its own are part of
// that cost.
//
// A variant without a platform is billed as provisioned containers (AWS
// Fargate): each replica in Resources is one task, billed by the hour for
// what it is given, busy or not, and one load balancer (its hourly charge;
// LCUs are left out) stands in front. A task is sized from what its replica
// used:
//
//	vCPU   = max(0.25, ⌈measured average cores × CPU headroom⌉ to 0.25)
//	memory = max(0.5 GB, ⌈measured peak memory × memory headroom⌉ to 0.5 GB)
//
// with headrooms 2 and 1.5 by default (WithHeadroom), so a task sized from
// a run is at most half busy at the measured rate. CPU and memory limits
// the runtime set are ignored: in archbench they are the equal budget split
// between a variant's containers, not a sizing decision (a replica that ran
// near its limit gets a note, since its demand may be higher than
// measured). The payment provider ("psp") stands for a third party and is
// not billed (WithExcluded). Under WithVMs the tasks are packed, by their
// total vCPU and memory, onto virtual machines of the table's type
// instead.
//
// # Scaling to another request rate
//
// Estimate.MonthlyAt prices a month (HoursPerMonth hours) at an average
// request rate. Pay-per-use costs scale linearly with requests. Provisioned
// capacity scales in steps, each task on its own: a task's work is taken to
// grow linearly with the request rate, so one task of the provisioned size
// serves, at the headroom's utilisation,
//
//	capacity = measured rate × provisioned vCPU / (measured average cores × CPU headroom)
//
// requests per second, and instances = max(1, ⌈rate / capacity⌉). At the
// measured rate every task needs exactly one instance. Memory per instance
// stays as sized; the load balancer is one whatever the rate. BreakEven
// finds the rate at which two estimates' monthly costs cross.
//
// # What the model leaves out
//
// Free tiers, volume discounts beyond the first tier, savings plans, data
// transfer, storage (the SQLite files), load-balancer capacity units and
// Fargate's fixed task sizes. Replicas that did no measurable work keep
// their minimum size at any rate. These are documented simplifications, and
// every Estimate carries them in its notes.
package cost
