package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Journey is one kind of user visit, such as browsing or checking out. Each
// iteration of a run picks one journey from the [Mix] and calls Run once.
type Journey struct {
	// Name identifies the journey in Results and in mix specifications.
	Name string
	// Weight is the journey's share of iterations relative to the other
	// journeys in the mix; it needs no normalising.
	Weight float64
	// Run performs one iteration. It sends its requests with [Session.Do],
	// builds them with ctx (or [Session.NewRequest]), and returns an error to
	// end the iteration early; see [Session] for how the error is recorded.
	Run func(ctx context.Context, s *Session) error
}

// Mix is the set of journeys a run chooses from, each iteration picking one
// at random in proportion to its Weight.
type Mix []Journey

// Validate reports every problem with m: an empty mix, a journey without a
// name or Run, a duplicate name, a negative or non-finite weight, or weights
// that sum to zero.
func (m Mix) Validate() error {
	if len(m) == 0 {
		return errors.New("mix must hold at least one journey, but is empty")
	}
	var (
		errs  []error
		total float64
		seen  = make(map[string]int, len(m))
	)
	for i, j := range m {
		if j.Name == "" {
			errs = append(errs, fmt.Errorf("mix[%d].name must not be empty", i))
		} else if k, dup := seen[j.Name]; dup {
			errs = append(errs, fmt.Errorf("mix[%d].name %q repeats mix[%d].name", i, j.Name, k))
		} else {
			seen[j.Name] = i
		}
		if !(j.Weight >= 0) || math.IsInf(j.Weight, 0) {
			errs = append(errs, fmt.Errorf("mix[%d].weight (%q) must be a finite number >= 0, but is %v", i, j.Name, j.Weight))
		} else {
			total += j.Weight
		}
		if j.Run == nil {
			errs = append(errs, fmt.Errorf("mix[%d].run (%q) must not be nil", i, j.Name))
		}
	}
	if len(errs) == 0 && !(total > 0 && !math.IsInf(total, 0)) {
		errs = append(errs, fmt.Errorf("the mix's total weight must be a finite number > 0, but is %v", total))
	}
	return errors.Join(errs...)
}

// ParseMix builds a Mix from a specification such as
// "browse=70,add-to-cart=20,checkout=10", taking each journey from available
// by name and giving it the weight written after "=". A bare name has weight
// 1. Every bad entry is reported, naming it and the journeys available.
func ParseMix(spec string, available []Journey) (Mix, error) {
	names := make([]string, len(available))
	byName := make(map[string]Journey, len(available))
	for i, j := range available {
		names[i] = j.Name
		byName[j.Name] = j
	}
	avail := "available journeys: " + strings.Join(names, ", ")
	if len(available) == 0 {
		avail = "no journeys are available"
	}
	if strings.TrimSpace(spec) == "" {
		return nil, fmt.Errorf("empty mix: want comma-separated name=weight entries such as %q; %s", "browse=70,checkout=30", avail)
	}

	var (
		errs    []error
		unknown bool
		mix     Mix
		entryOf = map[string]int{}
	)
	for i, entry := range strings.Split(spec, ",") {
		n := i + 1
		entry = strings.TrimSpace(entry)
		if entry == "" {
			errs = append(errs, fmt.Errorf("mix entry %d is empty; want name=weight", n))
			continue
		}
		name, wstr, hasWeight := strings.Cut(entry, "=")
		name, wstr = strings.TrimSpace(name), strings.TrimSpace(wstr)
		weight := 1.0
		if hasWeight {
			w, err := strconv.ParseFloat(wstr, 64)
			switch {
			case err != nil || math.IsNaN(w) || math.IsInf(w, 0):
				errs = append(errs, fmt.Errorf("mix entry %d %q: weight %q is not a finite number", n, entry, wstr))
				continue
			case w < 0:
				errs = append(errs, fmt.Errorf("mix entry %d %q: weight must be >= 0, but is %v", n, entry, w))
				continue
			}
			weight = w
		}
		if name == "" {
			errs = append(errs, fmt.Errorf("mix entry %d %q: journey name is empty", n, entry))
			continue
		}
		j, ok := byName[name]
		if !ok {
			errs = append(errs, fmt.Errorf("mix entry %d %q: unknown journey %q", n, entry, name))
			unknown = true
			continue
		}
		if k, dup := entryOf[name]; dup {
			errs = append(errs, fmt.Errorf("mix entry %d %q: journey %q already appears in entry %d", n, entry, name, k))
			continue
		}
		entryOf[name] = n
		j.Weight = weight
		mix = append(mix, j)
	}
	if len(errs) == 0 {
		if err := mix.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		if unknown {
			errs = append(errs, errors.New(avail))
		}
		return nil, fmt.Errorf("parse mix %q: %w", spec, errors.Join(errs...))
	}
	return mix, nil
}

// NewRequestJourney returns a journey of one request, method to the run's
// base URL plus path, that expects a 2xx answer. It serves `--target URL`
// runs against an arbitrary server, and benchmarks. Its Weight is 1 and its
// Op is method + " " + path.
func NewRequestJourney(name, method, path string) Journey {
	op := method + " " + path
	return Journey{
		Name:   name,
		Weight: 1,
		Run: func(ctx context.Context, s *Session) error {
			req, err := s.NewRequest(method, path, nil)
			if err != nil {
				return err
			}
			status, body, err := s.Do(req, op)
			if err != nil {
				return err
			}
			return s.Expect(status, body)
		},
	}
}

// chooser picks journeys in proportion to their weights.
type chooser struct {
	cum   []float64 // cumulative weights
	total float64
}

func newChooser(m Mix) chooser {
	c := chooser{cum: make([]float64, len(m))}
	for i, j := range m {
		c.total += j.Weight
		c.cum[i] = c.total
	}
	return c
}

// pick returns the index of a journey drawn from r.
func (c chooser) pick(r *rand.Rand) int {
	if len(c.cum) == 1 {
		return 0
	}
	x := r.Float64() * c.total
	for i, w := range c.cum {
		if x < w {
			return i
		}
	}
	// x rounded up to the total: the last journey with a weight.
	for i := len(c.cum) - 1; i > 0; i-- {
		if c.cum[i] > c.cum[i-1] {
			return i
		}
	}
	return 0
}
