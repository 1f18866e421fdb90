package k6

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/httpapi"
	"github.com/archbench/archbench/workload"
)

// Scenario names in the script, and so in its metrics' scenario tag.
const (
	scenarioWarmup   = "warmup"
	scenarioMeasured = "measured"
)

// trendStats returns the statistics k6 is asked to summarise every trend
// metric with (--summary-trend-stats): enough for results.Percentiles.
func trendStats() []string {
	return []string{"avg", "min", "med", "p(90)", "p(95)", "p(99)", "p(99.9)", "max"}
}

// journeyOps returns the operations each journey makes, in the order it
// makes them: their names are the route patterns of package httpapi, as in
// package workload.
func journeyOps() map[string][]string {
	return map[string][]string{
		workload.Browse:    {httpapi.RouteListProducts, httpapi.RouteGetProduct},
		workload.AddToCart: {httpapi.RouteCreateCart, httpapi.RouteAddItem, httpapi.RouteGetCart},
		workload.Checkout:  {httpapi.RouteCreateCart, httpapi.RouteAddItem, httpapi.RouteCheckout},
	}
}

// expectedStatuses returns the statuses each operation accepts, as
// workload's calls do; any other status, or no response, fails the request
// (http_req_failed). k6 judges a response by its status alone, so every
// checkout 409 passes here, while workload accepts one only as out_of_stock
// and fails one with another code (conflict). The script makes up for it:
// it reads a checkout 409's error code and counts one other than
// out_of_stock in metricUnexpected, which Summary.Result adds to the
// errors. (The workload never reuses an idempotency key, so a 409 conflict
// comes only from a replayed checkout whose first attempt is still
// running.)
func expectedStatuses() map[string][]int {
	return map[string][]int{
		httpapi.RouteListProducts: {http.StatusOK},
		httpapi.RouteGetProduct:   {http.StatusOK},
		httpapi.RouteCreateCart:   {http.StatusCreated},
		httpapi.RouteAddItem:      {http.StatusOK},
		httpapi.RouteGetCart:      {http.StatusOK},
		// A decline or a sold-out product is the shop working as designed.
		httpapi.RouteCheckout: {http.StatusCreated, http.StatusPaymentRequired, http.StatusConflict},
	}
}

// metricUnexpected is the script's counter of responses k6 passed (their
// status is expected) that workload fails: a checkout 409 whose error code
// is not out_of_stock. Its samples carry the request's name and journey
// tags, and the scenario's, as the request's own metrics do.
const metricUnexpected = "archbench_unexpected"

// plan is what a valid Spec becomes in the script.
type plan struct {
	spec     Spec
	journeys []weighted // in the mix's order
	ops      []string   // every operation the journeys make, sorted
	unit     int64      // seconds per k6 time unit
}

type weighted struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
}

func newPlan(spec Spec) (plan, error) {
	if err := spec.Validate(); err != nil {
		return plan{}, err
	}
	s := spec.normalized()
	mix, err := workload.Mix(s.Mix)
	if err != nil {
		return plan{}, fmt.Errorf("k6 spec: Mix: %w", err)
	}
	unit, err := s.timeUnit()
	if err != nil {
		return plan{}, fmt.Errorf("k6 spec: %w", err)
	}
	p := plan{spec: s, unit: unit}
	ops := journeyOps()
	for _, j := range mix {
		p.journeys = append(p.journeys, weighted{j.Name, j.Weight})
		if j.Weight > 0 {
			for _, op := range ops[j.Name] {
				if !slices.Contains(p.ops, op) {
					p.ops = append(p.ops, op)
				}
			}
		}
	}
	slices.Sort(p.ops)
	return p, nil
}

// measuredJourneys returns the names of the journeys with a weight.
func (p plan) measuredJourneys() []string {
	var names []string
	for _, j := range p.journeys {
		if j.Weight > 0 {
			names = append(names, j.Name)
		}
	}
	slices.Sort(names)
	return names
}

// Export writes spec as a k6 script: the scenarios (a warm-up, when spec
// has one, then the measured shape), the thresholds that make k6's summary
// report every operation and journey of the measured scenario apart, and
// the journeys. The script runs as it is with `k6 run`, so a run can be
// repeated or inspected by hand.
func Export(w io.Writer, spec Spec) error {
	p, err := newPlan(spec)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	b.WriteString(scriptHeader)
	b.WriteString("export const options = ")
	if err := writeJS(&b, p.options()); err != nil {
		return fmt.Errorf("k6 script: encode options: %w", err)
	}
	b.WriteString(";\n\nconst CFG = ")
	if err := writeJS(&b, p.config()); err != nil {
		return fmt.Errorf("k6 script: encode config: %w", err)
	}
	b.WriteString(";\n")
	b.WriteString(scriptBody)
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("k6 script: write: %w", err)
	}
	return nil
}

// writeJS writes v as a JavaScript literal: indented JSON, which is valid
// JavaScript (encoding/json always escapes U+2028 and U+2029), without
// escaping <, > and & so that thresholds read as written.
func writeJS(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode's newline
	return nil
}

// k6Options is the script's options object.
type k6Options struct {
	Scenarios         map[string]k6Scenario `json:"scenarios"`
	Thresholds        map[string][]string   `json:"thresholds"`
	SystemTags        []string              `json:"systemTags"`
	SummaryTrendStats []string              `json:"summaryTrendStats"`
}

type k6Scenario struct {
	Executor        string    `json:"executor"`
	StartTime       string    `json:"startTime,omitempty"`
	Rate            int64     `json:"rate,omitempty"`
	StartRate       *int64    `json:"startRate,omitempty"`
	Stages          []k6Stage `json:"stages,omitempty"`
	TimeUnit        string    `json:"timeUnit"`
	Duration        string    `json:"duration,omitempty"`
	PreAllocatedVUs int       `json:"preAllocatedVUs"`
	MaxVUs          int       `json:"maxVUs"`
	GracefulStop    string    `json:"gracefulStop"`
}

type k6Stage struct {
	Target   int64  `json:"target"`
	Duration string `json:"duration"`
}

// perUnit converts journeys per second to whole iterations per time unit.
func (p plan) perUnit(rate float64) int64 {
	return int64(math.Round(rate * float64(p.unit)))
}

func (p plan) options() k6Options {
	s := p.spec
	sc := map[string]k6Scenario{}
	base := k6Scenario{
		TimeUnit:        strconv.FormatInt(p.unit, 10) + "s",
		PreAllocatedVUs: s.PreAllocatedVUs,
		MaxVUs:          s.MaxInFlight,
		GracefulStop:    s.GracefulStop.String(),
	}
	if s.Warmup > 0 {
		// As archbench warms up: from nothing to the rate over the first
		// half, then the rate, so that a platform that scales with load
		// (the serverless variant) is not started all at once.
		w := base
		w.Executor = "ramping-arrival-rate"
		zero, rate := int64(0), p.perUnit(s.WarmupRate)
		w.StartRate = &zero
		w.Stages = []k6Stage{
			{Target: rate, Duration: (s.Warmup / 2).String()},
			{Target: rate, Duration: (s.Warmup - s.Warmup/2).String()},
		}
		sc[scenarioWarmup] = w
	}
	m := base
	if s.Warmup > 0 {
		m.StartTime = s.Warmup.String()
	}
	if !s.ramping() {
		m.Executor = "constant-arrival-rate"
		m.Rate = p.perUnit(s.Rate)
		m.Duration = s.Duration.String()
	} else {
		m.Executor = "ramping-arrival-rate"
		start := p.perUnit(s.StartRate)
		m.StartRate = &start
		for _, st := range s.Stages {
			m.Stages = append(m.Stages, k6Stage{Target: p.perUnit(st.Target), Duration: st.Duration.String()})
		}
	}
	sc[scenarioMeasured] = m

	return k6Options{
		Scenarios:  sc,
		Thresholds: p.thresholds(),
		// Only the tags the summary needs: leaving out url (unique per cart)
		// keeps k6 from tracking a time series per cart.
		SystemTags:        []string{"scenario", "name", "method", "status", "expected_response", "error_code"},
		SummaryTrendStats: trendStats(),
	}
}

// Sub-metrics the summary needs. k6's summary export lists a sub-metric
// only when a threshold names it, so each gets a threshold that always
// holds.
func (p plan) thresholds() map[string][]string {
	th := map[string][]string{}
	add := func(sel string) {
		th[submetric("http_reqs", sel)] = []string{"count>=0"}
		th[submetric("http_req_failed", sel)] = []string{"rate>=0"}
		th[submetric("http_req_duration", sel)] = []string{"max>=0"}
		th[submetric(metricUnexpected, sel)] = []string{"count>=0"}
	}
	measured := "scenario:" + scenarioMeasured
	add(measured)
	th[submetric("iterations", measured)] = []string{"count>=0"}
	th[submetric("dropped_iterations", measured)] = []string{"count>=0"}
	for _, op := range p.ops {
		add(measured + ",name:" + op)
	}
	for _, j := range p.measuredJourneys() {
		add(measured + ",journey:" + j)
	}
	if p.spec.Warmup > 0 {
		th[submetric("http_reqs", "scenario:"+scenarioWarmup)] = []string{"count>=0"}
	}
	return th
}

// submetric names metric's sub-metric for the tags in sel ("k:v,k:v"), as
// k6 names it in thresholds and in the summary.
func submetric(metric, sel string) string { return metric + "{" + sel + "}" }

// scriptConfig is the constants the journeys read.
type scriptConfig struct {
	Target    string              `json:"target"`
	Journeys  []weighted          `json:"journeys"`
	Products  int                 `json:"products"`
	PageLimit int                 `json:"pageLimit"`
	Zipf      float64             `json:"zipf"`
	CardToken string              `json:"cardToken"`
	Seed      [2]uint32           `json:"seed"` // low and high halves
	Timeout   string              `json:"timeout"`
	Expected  map[string][]int    `json:"expected"`
	Ops       map[string]string   `json:"ops"`
	Header    map[string]string   `json:"header"`
	Metrics   map[string]string   `json:"metrics"`
	Codes     map[string]string   `json:"codes"`
	Scenarios map[string]int      `json:"scenarios"`
	JourneyOp map[string][]string `json:"journeyOps"`
	Names     map[string]string   `json:"names"`
}

func (p plan) config() scriptConfig {
	s := p.spec
	return scriptConfig{
		Target:    s.Target,
		Journeys:  p.journeys,
		Products:  s.Products,
		PageLimit: api.DefaultPageLimit,
		Zipf:      s.Zipf,
		CardToken: s.CardToken,
		Seed:      [2]uint32{uint32(s.Seed), uint32(s.Seed >> 32)},
		Timeout:   s.RequestTimeout.Round(time.Millisecond).String(),
		Expected:  expectedStatuses(),
		Ops: map[string]string{
			"list": httpapi.RouteListProducts, "product": httpapi.RouteGetProduct,
			"createCart": httpapi.RouteCreateCart, "addItem": httpapi.RouteAddItem,
			"getCart": httpapi.RouteGetCart, "checkout": httpapi.RouteCheckout,
		},
		Header:    map[string]string{"idempotencyKey": api.IdempotencyKeyHeader},
		Metrics:   map[string]string{"unexpected": metricUnexpected},
		Codes:     map[string]string{"outOfStock": api.CodeOutOfStock},
		Scenarios: map[string]int{scenarioWarmup: 2, scenarioMeasured: 1},
		JourneyOp: journeyOps(),
		Names:     map[string]string{"browse": workload.Browse, "addToCart": workload.AddToCart, "checkout": workload.Checkout},
	}
}

const scriptHeader = `// Generated by archbench (package k6): the shop's journeys (package
// workload) for k6, to cross-check archbench's own load generator.
// Regenerate it rather than editing it.
import http from 'k6/http';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';

`

// scriptBody is the journeys. Each iteration seeds its own random stream
// from the seed, its scenario and its index in the scenario, so its choices
// do not depend on which virtual user runs it (as loadgen seeds each
// iteration from its index). A journey stops at its first unexpected
// status, as workload's journeys do.
const scriptBody = `
const OPS = CFG.ops;

// Request parameters per operation and journey, built once: the name tag is
// the operation, so k6 groups every cart's URL under one route pattern.
const PARAMS = {};
for (const journey of Object.keys(CFG.journeyOps)) {
  for (const op of CFG.journeyOps[journey]) {
    PARAMS[journey + ' ' + op] = {
      tags: { name: op, journey: journey },
      responseCallback: http.expectedStatuses(...CFG.expected[op]),
      // Bodies are read either way; only the new cart's is kept, for its
      // ID, and a checkout's, for a 409's error code.
      responseType: op === OPS.createCart || op === OPS.checkout ? 'text' : 'none',
      timeout: CFG.timeout,
    };
  }
}
const JSON_HEADERS = { 'Content-Type': 'application/json' };

// UNEXPECTED counts responses whose status k6 passed but workload fails.
const UNEXPECTED = new Counter(CFG.metrics.unexpected);

// errorCode returns the code of an error response's JSON envelope
// ({"error": {"code": ...}}), or '' if body is none.
function errorCode(body) {
  try {
    const e = JSON.parse(body).error;
    return e && typeof e.code === 'string' ? e.code : '';
  } catch (err) {
    return '';
  }
}

function params(journey, op, headers) {
  const p = PARAMS[journey + ' ' + op];
  return headers ? Object.assign({}, p, { headers: headers }) : p;
}

// fmix32 is MurmurHash3's finaliser, used to spread the seed words.
function fmix32(h) {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// newRand returns a function giving uniform numbers in [0, 1): SFC32,
// seeded from words.
function newRand(words) {
  let h = 0x9e3779b9;
  const s = [];
  for (let i = 0; i < 4; i++) {
    for (const w of words) {
      h = fmix32((h ^ w) + i);
    }
    s.push(h);
  }
  let [a, b, c, d] = s;
  const next = function () {
    a |= 0; b |= 0; c |= 0; d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

function intN(rand, n) {
  return Math.min(Math.floor(rand() * n), n - 1);
}

// Zipf sampling over 0..imax with P(k) proportional to 1/(1+k)^q, ported
// from Go's math/rand/v2 Zipf (rejection-inversion, Hörmann and Derflinger)
// with v = 1, as workload uses it.
function newZipf(q, imax) {
  const v = 1;
  const oneMinusQ = 1 - q;
  const oneMinusQInv = 1 / oneMinusQ;
  const h = (x) => Math.exp(oneMinusQ * Math.log(v + x)) * oneMinusQInv;
  const hinv = (x) => Math.exp(oneMinusQInv * Math.log(oneMinusQ * x)) - v;
  const hxm = h(imax + 0.5);
  const hx0MinusHxm = h(0.5) - Math.exp(Math.log(v) * -q) - hxm;
  const s = 1 - hinv(h(1.5) - Math.exp(-q * Math.log(v + 1)));
  return function (rand) {
    for (;;) {
      const ur = hxm + rand() * hx0MinusHxm;
      const x = hinv(ur);
      const k = Math.floor(x + 0.5);
      if (k - x <= s || ur >= h(k + 0.5) - Math.exp(-Math.log(k + v) * q)) {
        return k;
      }
    }
  };
}

const zipf = CFG.zipf > 1 ? newZipf(CFG.zipf, CFG.products - 1) : null;

// product picks a product ID in 1..products, skewed by popularity.
function product(rand) {
  return 1 + (zipf ? zipf(rand) : intN(rand, CFG.products));
}

// browse: a page of the catalog, then one product.
function browse(rand, journey) {
  const offset = intN(rand, Math.floor(CFG.products / CFG.pageLimit)) * CFG.pageLimit;
  const page = http.get(CFG.target + '/products?offset=' + offset, params(journey, OPS.list));
  if (page.status !== 200) return;
  http.get(CFG.target + '/products/' + product(rand), params(journey, OPS.product));
}

// fillCart creates a cart and adds lines distinct products to it; it
// returns the cart's ID, or null when a request failed.
function fillCart(rand, journey, lines) {
  const res = http.post(CFG.target + '/carts', null, params(journey, OPS.createCart));
  if (res.status !== 201) return null;
  let id = null;
  try {
    id = JSON.parse(res.body).id;
  } catch (e) {
    return null;
  }
  if (typeof id !== 'string' || id === '') return null;
  const seen = {};
  for (let n = 0; n < lines;) {
    const p = product(rand);
    if (seen[p]) continue;
    seen[p] = true;
    n++;
    const body = JSON.stringify({ product_id: p, quantity: 1 + intN(rand, 2) });
    const add = http.post(CFG.target + '/carts/' + encodeURIComponent(id) + '/items', body,
      params(journey, OPS.addItem, JSON_HEADERS));
    if (add.status !== 200) return null;
  }
  return id;
}

// addToCart: a new cart, one or two products into it, a look at the cart.
function addToCart(rand, journey) {
  const id = fillCart(rand, journey, 1 + intN(rand, 2));
  if (id === null) return;
  http.get(CFG.target + '/carts/' + encodeURIComponent(id), params(journey, OPS.getCart));
}

// checkout: a new cart with one to three products, then checkout, with the
// cart's ID as the idempotency key. A 409 passes k6 by its status, but as
// in workload only a sold-out product (out_of_stock) is expected: any
// other 409 counts in UNEXPECTED, tagged as the request is.
function checkout(rand, journey) {
  const id = fillCart(rand, journey, 1 + intN(rand, 3));
  if (id === null) return;
  const headers = Object.assign({}, JSON_HEADERS, { [CFG.header.idempotencyKey]: 'checkout-' + id });
  const p = params(journey, OPS.checkout, headers);
  const res = http.post(CFG.target + '/carts/' + encodeURIComponent(id) + '/checkout',
    JSON.stringify({ card_token: CFG.cardToken }), p);
  if (res.status === 409 && errorCode(res.body) !== CFG.codes.outOfStock) {
    UNEXPECTED.add(1, p.tags);
  }
}

const RUN = {
  [CFG.names.browse]: browse,
  [CFG.names.addToCart]: addToCart,
  [CFG.names.checkout]: checkout,
};

const TOTAL = CFG.journeys.reduce((sum, j) => sum + j.weight, 0);

// pick draws a journey in proportion to the weights.
function pick(rand) {
  const x = rand() * TOTAL;
  let cum = 0;
  for (const j of CFG.journeys) {
    cum += j.weight;
    if (x < cum) return j.name;
  }
  for (let i = CFG.journeys.length - 1; i >= 0; i--) {
    if (CFG.journeys[i].weight > 0) return CFG.journeys[i].name;
  }
  return CFG.journeys[0].name;
}

export default function () {
  const n = exec.scenario.iterationInTest;
  const rand = newRand([CFG.seed[0], CFG.seed[1], CFG.scenarios[exec.scenario.name] || 0,
    n % 4294967296, Math.floor(n / 4294967296)]);
  const journey = pick(rand);
  RUN[journey](rand, journey);
}
`
