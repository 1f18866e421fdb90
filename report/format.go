package report

import (
	"math"
	"strconv"
	"strings"
)

// none stands for a figure that was not measured or does not apply.
const none = "—"

// ms formats a latency in milliseconds to about three significant digits:
// 0.412, 2.31, 12.3, 1,234.
func ms(v float64) string {
	switch {
	case v == 0:
		return "0"
	case math.IsNaN(v) || math.IsInf(v, 0):
		return none
	}
	return rounded(v, func(v float64) int {
		switch {
		case math.Abs(v) < 1:
			return 3
		case math.Abs(v) < 10:
			return 2
		case math.Abs(v) < 100:
			return 1
		}
		return 0
	})
}

// rate formats a rate per second: 0.25, 49.9, 2,000.
func rate(v float64) string {
	switch {
	case v == 0:
		return "0"
	case math.IsNaN(v) || math.IsInf(v, 0):
		return none
	}
	return rounded(v, func(v float64) int {
		switch {
		case math.Abs(v) < 10:
			return 2
		case math.Abs(v) < 100:
			return 1
		}
		return 0
	})
}

// sig3 formats a positive quantity, such as GB-seconds, to about three
// significant digits: 0.00125, 0.500, 21.5, 1,234.
func sig3(v float64) string {
	switch {
	case v == 0:
		return "0"
	case math.IsNaN(v) || math.IsInf(v, 0):
		return none
	}
	return rounded(v, func(v float64) int {
		if math.Abs(v) >= 100 {
			return 0
		}
		return min(2-int(math.Floor(math.Log10(math.Abs(v)))), 12)
	})
}

// rounded formats a finite v with the decimals places gives for its
// magnitude, or whole with thousands separated where places gives none.
// The decimals are chosen for v as rounded, not as given, so that a
// value which rounds up into the next magnitude gets that magnitude's
// digits: 0.9996 to three significant digits is 1.00, not 1.000, and
// 99.96 is 100, not 100.0.
func rounded(v float64, places func(float64) int) string {
	d := places(v)
	for d > 0 {
		// Round as FormatFloat will print, then ask again.
		r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'f', d, 64), 64)
		if err != nil || r == 0 || places(r) >= d {
			break
		}
		d = places(r)
	}
	if d <= 0 {
		return thousands(int64(math.Round(v)))
	}
	return strconv.FormatFloat(v, 'f', d, 64)
}

// optRate is rate, or none for zero: a rate that was not given.
func optRate(v float64) string {
	if v == 0 {
		return none
	}
	return rate(v)
}

// percent formats a fraction as a percentage with two decimals: 0.12%, or
// <0.01% for a positive fraction that would round to zero.
func percent(fraction float64) string {
	switch {
	case math.IsNaN(fraction) || math.IsInf(fraction, 0):
		return none
	case fraction > 0 && fraction < 0.00005: // would round to 0.00%
		return "<0.01%"
	}
	return strconv.FormatFloat(fraction*100, 'f', 2, 64) + "%"
}

// thousands formats n with commas between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// seconds formats a span in seconds, whole ones as they are, others to
// about three significant digits as sig3 does, without trailing zeros:
// 0.5 s, 2.49 s, 60 s, 1,800 s, 1,986 s.
func seconds(s float64) string {
	switch {
	case math.IsNaN(s) || math.IsInf(s, 0):
		return none
	case s == math.Trunc(s) && math.Abs(s) < 1e15:
		return thousands(int64(s)) + " s"
	}
	v := sig3(s)
	if strings.Contains(v, ".") {
		v = strings.TrimRight(strings.TrimRight(v, "0"), ".")
	}
	return v + " s"
}

// bytesIEC formats a byte count in GiB or MiB.
func bytesIEC(n uint64) string {
	const mib, gib = 1 << 20, 1 << 30
	if n >= gib {
		return strconv.FormatFloat(float64(n)/gib, 'f', 1, 64) + " GiB"
	}
	return strconv.FormatFloat(float64(n)/mib, 'f', 0, 64) + " MiB"
}
