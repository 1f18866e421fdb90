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

// eventQueue orders pending events by (t, seq). It keeps the earliest
// event apart from the heap when it was scheduled as the earliest: a
// request's next step is often due before everything else pending, and
// then it skips the heap altogether.
type eventQueue struct {
	heap   eventHeap
	hot    event // before every event in heap, when hasHot
	hasHot bool
}

func (q *eventQueue) len() int {
	if q.hasHot {
		return q.heap.len() + 1
	}
	return q.heap.len()
}

func (q *eventQueue) push(e event) {
	switch {
	case !q.hasHot:
		if q.heap.len() == 0 || e.before(&q.heap.a[0]) {
			q.hot, q.hasHot = e, true
			return
		}
		q.heap.push(e)
	case e.before(&q.hot):
		q.heap.push(q.hot)
		q.hot = e
	default:
		q.heap.push(e)
	}
}

// pop removes and returns the earliest event; q must not be empty.
func (q *eventQueue) pop() event {
	if q.hasHot {
		q.hasHot = false
		return q.hot
	}
	return q.heap.pop()
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
