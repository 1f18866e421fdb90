package gateway

import (
	"math"
	"sync/atomic"
)

// retryBudget is a token bucket that bounds a service's retries to a share
// of its traffic: every request deposits ratio tokens, up to a cap, and
// every retry spends one. When a service fails outright, retries stop after
// the bucket runs dry instead of multiplying the load on it.
//
// Tokens are kept in thousandths in one atomic integer, so the hot path takes
// no lock.
type retryBudget struct {
	milli   atomic.Int64
	deposit int64
	max     int64
}

// tokenMilli is one token in the bucket's unit.
const tokenMilli = 1000

func newRetryBudget(ratio, burst float64) *retryBudget {
	b := &retryBudget{
		deposit: int64(math.Round(ratio * tokenMilli)),
		max:     int64(math.Round(burst * tokenMilli)),
	}
	b.milli.Store(b.max)
	return b
}

// onRequest deposits one request's share of a retry.
func (b *retryBudget) onRequest() {
	if b.deposit == 0 {
		return
	}
	for {
		v := b.milli.Load()
		if v >= b.max {
			return
		}
		if b.milli.CompareAndSwap(v, min(v+b.deposit, b.max)) {
			return
		}
	}
}

// withdraw spends a token for a retry, reporting whether there was one.
func (b *retryBudget) withdraw() bool {
	for {
		v := b.milli.Load()
		if v < tokenMilli {
			return false
		}
		if b.milli.CompareAndSwap(v, v-tokenMilli) {
			return true
		}
	}
}
