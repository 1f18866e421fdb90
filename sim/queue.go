package sim

// event is one scheduled happening. Events are small values in a slice,
// never boxed: kind says what happens and ref to whom (a request, a
// station, a burst).
type event struct {
	t    float64 // when, in ms
	seq  uint64  // order of scheduling, to break ties first come first served
	ref  int32
	kind int32
}

func (a *event) before(b *event) bool {
	return a.t < b.t || (a.t == b.t && a.seq < b.seq)
}

// nearCap is how many of the soonest events eventQueue keeps sorted.
const nearCap = 64

// eventQueue orders pending events by (t, seq). The soonest, up to
// nearCap, are in a slice sorted latest first; the rest are in a heap,
// each due no earlier than every event in the slice. Most events are due
// soon after they are scheduled (a service's end, a hop), so pushing one
// moves few others in the slice, and popping is taking its last: cheaper,
// for the dozen or so events a simulation usually has pending, than a
// heap's levels of comparisons. The heap keeps a long queue's pushes
// logarithmic.
type eventQueue struct {
	near []event // sorted by (t, seq), latest first
	far  eventHeap
}

func (q *eventQueue) len() int { return len(q.near) + q.far.len() }

func (q *eventQueue) push(e event) {
	if (len(q.near) == nearCap && q.near[0].before(&e)) || (q.far.len() > 0 && q.far.a[0].before(&e)) {
		// Due after every event in a full near, or after the heap's
		// earliest (so after every one in near): to the heap.
		q.far.push(e)
		return
	}
	near := append(q.near, e)
	i := len(near) - 1
	for i > 0 && near[i-1].before(&e) {
		near[i] = near[i-1]
		i--
	}
	near[i] = e
	if len(near) > nearCap {
		// The latest moves to the heap. It is due no later than any
		// event there: near's events all were, and e was too.
		q.far.push(near[0])
		near = near[:copy(near, near[1:])]
	}
	q.near = near
}

// pop removes and returns the earliest event; q must not be empty.
func (q *eventQueue) pop() event {
	if n := len(q.near); n > 0 {
		e := q.near[n-1]
		q.near = q.near[:n-1]
		return e
	}
	return q.far.pop()
}

// eventHeap is a 4-ary min-heap of events by (t, seq): shallower than a
// binary heap, and a node's children share a cache line or two.
type eventHeap struct {
	a []event
}

func (h *eventHeap) len() int { return len(h.a) }

func (h *eventHeap) push(e event) {
	h.a = append(h.a, e)
	siftUp(h.a, len(h.a)-1, e)
}

// siftUp puts e into the hole at a[i], moving the hole up past every
// parent e comes before.
func siftUp(a []event, i int, e event) {
	for i > 0 {
		p := (i - 1) / 4
		if !e.before(&a[p]) {
			break
		}
		a[i] = a[p]
		i = p
	}
	a[i] = e
}

func (h *eventHeap) pop() event {
	a := h.a
	top := a[0]
	n := len(a) - 1
	last := a[n]
	a = a[:n]
	h.a = a
	if n == 0 {
		return top
	}
	// Floyd's variant: move the hole down to a leaf along the smallest
	// children, then sift last up from there. last came from the bottom,
	// so it rarely climbs far, and this saves comparing it on the way down.
	i := 0
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		if end := c + 4; end <= n {
			if a[c+1].before(&a[m]) {
				m = c + 1
			}
			if a[c+2].before(&a[m]) {
				m = c + 2
			}
			if a[c+3].before(&a[m]) {
				m = c + 3
			}
		} else {
			for j := c + 1; j < n; j++ {
				if a[j].before(&a[m]) {
					m = j
				}
			}
		}
		a[i] = a[m]
		i = m
	}
	siftUp(a, i, last)
	return top
}

// deque is a growable ring buffer: a FIFO queue of requests at a replica,
// or a pool's idle instances (most recent at the back, oldest at the
// front).
type deque[T any] struct {
	buf  []T // length is 0 or a power of two
	head int
	n    int
}

func (d *deque[T]) len() int { return d.n }

func (d *deque[T]) pushBack(x T) {
	if d.n == len(d.buf) {
		d.grow()
	}
	d.buf[(d.head+d.n)&(len(d.buf)-1)] = x
	d.n++
}

func (d *deque[T]) grow() {
	buf := make([]T, max(8, 2*len(d.buf)))
	for i := range d.n {
		buf[i] = d.buf[(d.head+i)&(len(d.buf)-1)]
	}
	d.buf, d.head = buf, 0
}

// front returns the oldest element; the deque must not be empty.
func (d *deque[T]) front() T { return d.buf[d.head] }

func (d *deque[T]) popFront() T {
	x := d.buf[d.head]
	d.head = (d.head + 1) & (len(d.buf) - 1)
	d.n--
	return x
}

func (d *deque[T]) popBack() T {
	d.n--
	return d.buf[(d.head+d.n)&(len(d.buf)-1)]
}
