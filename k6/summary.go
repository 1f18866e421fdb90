package k6

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// maxSummaryBytes bounds the summary ParseSummary reads. A summary with a
// few dozen sub-metrics is tens of kilobytes.
const maxSummaryBytes = 64 << 20

// Summary is k6's end-of-test summary as `k6 run --summary-export` writes
// it (k6's legacy format): every metric and sub-metric by name, such as
// "http_req_duration" or "http_req_duration{scenario:measured}".
type Summary struct {
	// Metrics holds the metrics by name; a metric k6 did not write is
	// absent.
	Metrics map[string]Metric
}

// Metric is one metric's summary: its statistics by k6's names for them.
// A trend has the statistics it was asked for ("avg", "min", "med",
// "p(99)", "max", ...), in milliseconds for times; a counter "count" and
// "rate" (per second of the whole test); a rate "value" (the fraction of
// non-zero samples), "passes" (non-zero samples) and "fails" (zero
// samples); a gauge "value", "min" and "max".
type Metric struct {
	// Values holds the statistics; one that was null or absent is absent.
	Values map[string]float64
	// Thresholds holds the metric's thresholds, each expression mapped to
	// whether it was crossed (k6's legacy format writes true for a failed
	// threshold).
	Thresholds map[string]bool
}

// Value returns the statistic called stat, and whether m has it.
func (m Metric) Value(stat string) (float64, bool) {
	v, ok := m.Values[stat]
	return v, ok
}

// ParseSummary reads a summary written by `k6 run --summary-export`. It is
// strict about types — the document must be a JSON object, "metrics" an
// object of objects, every statistic a number (or null) and every threshold
// a boolean — and tolerant of absence: any metric, statistic or top-level
// field may be missing, and fields it does not use (root_group) are not
// checked.
func ParseSummary(r io.Reader) (Summary, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSummaryBytes+1))
	if err != nil {
		return Summary{}, fmt.Errorf("read k6 summary: %w", err)
	}
	if len(data) > maxSummaryBytes {
		return Summary{}, fmt.Errorf("read k6 summary: larger than %d bytes", maxSummaryBytes)
	}
	var doc struct {
		Metrics json.RawMessage `json:"metrics"`
	}
	if err := decodeOne(data, &doc); err != nil {
		return Summary{}, fmt.Errorf("parse k6 summary: %w", err)
	}
	s := Summary{Metrics: map[string]Metric{}}
	if isNull(doc.Metrics) {
		return s, nil
	}
	var metrics map[string]json.RawMessage
	if err := json.Unmarshal(doc.Metrics, &metrics); err != nil {
		return Summary{}, fmt.Errorf("parse k6 summary: metrics must be an object: %w", err)
	}
	for name, raw := range metrics {
		m, err := parseMetric(raw)
		if err != nil {
			return Summary{}, fmt.Errorf("parse k6 summary: metric %q: %w", name, err)
		}
		s.Metrics[name] = m
	}
	return s, nil
}

func parseMetric(raw json.RawMessage) (Metric, error) {
	if isNull(raw) {
		return Metric{}, errors.New("is null, want an object")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return Metric{}, fmt.Errorf("want an object: %w", err)
	}
	m := Metric{Values: map[string]float64{}}
	// Sorted, so that the first bad field reported is always the same.
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := fields[k]
		if isNull(v) {
			continue
		}
		if k == "thresholds" {
			if err := json.Unmarshal(v, &m.Thresholds); err != nil {
				return Metric{}, fmt.Errorf("thresholds must map expressions to booleans: %w", err)
			}
			continue
		}
		if len(bytes.TrimSpace(v)) == 0 || !isNumber(v) {
			return Metric{}, fmt.Errorf("%q is %s, want a number", k, describe(v))
		}
		var f float64
		if err := json.Unmarshal(v, &f); err != nil {
			return Metric{}, fmt.Errorf("%q: %w", k, err)
		}
		m.Values[k] = f
	}
	return m, nil
}

// decodeOne decodes data, which must hold exactly one JSON object, into v.
func decodeOne(data []byte, v any) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return fmt.Errorf("want a JSON object, got %s", describe(trimmed))
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON object")
	}
	return nil
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

func isNumber(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && (t[0] == '-' || (t[0] >= '0' && t[0] <= '9'))
}

// describe names the JSON type of raw for error messages.
func describe(raw []byte) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "empty"
	}
	switch t[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	if len(t) > 20 {
		t = t[:20]
	}
	return fmt.Sprintf("%q", t)
}

// count reads a counter-like statistic: a whole, non-negative number.
func count(m Metric, stat string) (int64, error) {
	v, ok := m.Values[stat]
	if !ok {
		return 0, nil
	}
	if v < 0 || v > 1<<53 || v != math.Trunc(v) {
		return 0, fmt.Errorf("%s %v is not a whole number of at most 2^53", stat, v)
	}
	return int64(v), nil
}

// names returns the summary's metric names, sorted, for error messages.
func (s Summary) names() string {
	n := make([]string, 0, len(s.Metrics))
	for k := range s.Metrics {
		n = append(n, k)
	}
	sort.Strings(n)
	return strings.Join(n, ", ")
}
