package scenarios

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// MaxFileSize bounds a scenario file: 1 MiB, far more than any real one.
const MaxFileSize = 1 << 20

// LoadFile reads a scenario file: a JSON object naming a scenario, the
// profile its parameters start from, and the parameters to change, such as
//
//	{"scenario": "spike", "profile": "quick",
//	 "params": {"base_per_sec": 40, "factor": 6, "slo_p99_ms": 80}}
//
// See Parse for the format. Every problem is reported, one per line, each
// prefixed with path and naming its field:
//
//	spike.json: params.factor must be in (1, 100], but is 1
func LoadFile(path string) (Scenario, error) {
	data, err := readBounded(path)
	if err != nil {
		return nil, err
	}
	sc, errs := parse(data)
	if len(errs) > 0 {
		for i, e := range errs {
			errs[i] = fmt.Errorf("%s: %w", path, e)
		}
		return nil, errors.Join(errs...)
	}
	return sc, nil
}

// Parse decodes a scenario file's contents (see LoadFile) into a scenario
// that validates: a Steady, Ramp, Spike or ColdStart value.
//
// "scenario" is required: steady, ramp, spike or coldstart. "profile"
// (quick or full; default quick) gives every parameter its starting value,
// and "params" overrides them one by one, under the keys the scenario's
// Params records in results.json: durations in seconds (slo_p99_ms in
// milliseconds), rates in journeys per second, coldstart's keep_alive_sec
// an array of seconds. So a loaded scenario's Params are its profile's
// with the file's params put in.
//
// Decoding is strict: a field or parameter the scenario does not have, a
// value of the wrong JSON type, a field given twice, data after the object
// and input over MaxFileSize are errors. Every problem is reported, one
// error per line, each naming its field ("params.steps must be an integer,
// but is a string"), including everything the scenario's Validate finds.
func Parse(data []byte) (Scenario, error) {
	sc, errs := parse(data)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return sc, nil
}

// readBounded reads the file at path, refusing one over MaxFileSize
// without reading all of it.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read scenario file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read scenario file: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: larger than %d bytes (1 MiB), the most a scenario file may hold", path, MaxFileSize)
	}
	return data, nil
}

// fileFields are the top-level fields of a scenario file.
const fileFields = "scenario, profile and params"

// scenarioNames are the scenarios a file may name, in the order errors
// list them.
func scenarioNames() []string { return []string{"steady", "ramp", "spike", "coldstart"} }

// parse decodes data and returns the scenario, or every problem found.
func parse(data []byte) (Scenario, []error) {
	if len(data) > MaxFileSize {
		return nil, []error{fmt.Errorf("larger than %d bytes (1 MiB), the most a scenario file may hold", MaxFileSize)}
	}
	members, errs := object(data, "", true)
	if members == nil && len(errs) > 0 {
		return nil, errs
	}
	var (
		name, profile = "", "quick"
		named         bool
		params        []member
		stop          bool // the scenario or profile is unreadable
	)
	for _, m := range members {
		var err error
		switch m.key {
		case "scenario":
			named = true
			err = decodeString(m.value, &name)
			stop = stop || err != nil
		case "profile":
			err = decodeString(m.value, &profile)
			stop = stop || err != nil
		case "params":
			if kind(m.value) != "an object" {
				err = mustBe("an object", m.value)
				break
			}
			var perrs []error
			params, perrs = object(m.value, "params.", false)
			errs = append(errs, perrs...)
		default:
			err = &fieldError{rest: " is not a field; the fields are " + fileFields}
		}
		if err != nil {
			errs = append(errs, under(field("", m.key), err))
		}
	}
	names := scenarioNames()
	if stop {
		return nil, errs
	}
	if !named {
		return nil, append(errs, fmt.Errorf("scenario is missing; it must be one of %s", strings.Join(names, ", ")))
	}
	f, ok, err := formFor(name, profile)
	switch {
	case !ok:
		return nil, append(errs, fmt.Errorf("scenario must be one of %s, but is %q", strings.Join(names, ", "), name))
	case err != nil:
		return nil, append(errs, err)
	}

	byKey := make(map[string]param, len(f.params))
	keys := make([]string, 0, len(f.params))
	renames := make(map[string]string, len(f.params))
	for _, p := range f.params {
		byKey[p.key] = p
		keys = append(keys, p.key)
		renames[p.name] = p.key
	}
	for _, m := range params {
		p, ok := byKey[m.key]
		if !ok {
			errs = append(errs, under(field("params.", m.key), &fieldError{
				rest: fmt.Sprintf(" is not a %s param; %s's params are %s", name, name, strings.Join(keys, ", ")),
			}))
			continue
		}
		if err := p.set(m.value); err != nil {
			errs = append(errs, under("params."+p.key, err))
		}
	}
	errs = append(errs, rename(f.validate(), renames)...)
	if len(errs) > 0 {
		return nil, errs
	}
	return f.scenario(), nil
}

// form is a scenario as a file fills it in: its params, each bound to a
// field of a scenario value that starts from a profile, the scenario's
// Validate, and the value itself once filled in.
type form struct {
	params   []param
	validate func() error
	scenario func() Scenario
}

// formFor returns the form of the scenario called name, starting from
// profile; ok is false if there is no such scenario.
func formFor(name, profile string) (f form, ok bool, err error) {
	switch name {
	case "steady":
		s, err := SteadyProfile(profile)
		if err != nil {
			return form{}, true, err
		}
		return form{
			params: append([]param{
				number("rate_per_sec", "rate", &s.Rate),
				seconds("duration_sec", "duration", &s.Duration),
				seconds("warmup_sec", "warmup", &s.Warmup),
				integer("runs", "runs", &s.Runs),
			}, journeyParams(&s.Mix, &s.Seed, &s.MaxInFlight)...),
			validate: func() error { return s.Validate() },
			scenario: func() Scenario { return s },
		}, true, nil
	case "ramp":
		r, err := RampProfile(profile)
		if err != nil {
			return form{}, true, err
		}
		return form{
			params: append([]param{
				number("start_per_sec", "start", &r.Start),
				number("growth", "growth", &r.Growth),
				integer("steps", "steps", &r.Steps),
				seconds("step_sec", "step-for", &r.StepFor),
				seconds("warmup_sec", "warmup", &r.Warmup),
				millis("slo_p99_ms", "slo", &r.SLO),
			}, journeyParams(&r.Mix, &r.Seed, &r.MaxInFlight)...),
			validate: func() error { return r.Validate() },
			scenario: func() Scenario { return r },
		}, true, nil
	case "spike":
		s, err := SpikeProfile(profile)
		if err != nil {
			return form{}, true, err
		}
		return form{
			params: append([]param{
				number("base_per_sec", "base", &s.Base),
				number("factor", "factor", &s.Factor),
				seconds("warmup_sec", "warmup", &s.Warmup),
				seconds("before_sec", "before", &s.Before),
				seconds("during_sec", "during", &s.During),
				seconds("after_sec", "after", &s.After),
				millis("slo_p99_ms", "slo", &s.SLO),
			}, journeyParams(&s.Mix, &s.Seed, &s.MaxInFlight)...),
			validate: func() error { return s.Validate() },
			scenario: func() Scenario { return s },
		}, true, nil
	case "coldstart":
		c, err := ColdStartProfile(profile)
		if err != nil {
			return form{}, true, err
		}
		return form{
			params: append([]param{
				number("rate_per_sec", "rate", &c.Rate),
				seconds("burst_sec", "burst-for", &c.BurstFor),
				seconds("gap_sec", "gap", &c.Gap),
				integer("bursts", "bursts", &c.Bursts),
				secondsList("keep_alive_sec", "keep-alives", &c.KeepAlives),
				boolean("provisioned", "provisioned", &c.Provisioned),
			}, journeyParams(&c.Mix, &c.Seed, &c.MaxInFlight)...),
			validate: func() error { return c.Validate() },
			scenario: func() Scenario { return c },
		}, true, nil
	}
	return form{}, false, nil
}

// journeyParams are the params every scenario shares: which journeys, how
// they are drawn, and how many may run at once.
func journeyParams(mix *string, seed *uint64, maxInFlight *int) []param {
	return []param{
		text("mix", "mix", mix),
		unsigned("seed", "seed", seed),
		integer("max_in_flight", "max-in-flight", maxInFlight),
	}
}

// param is one parameter a file may set.
type param struct {
	// key names it in the file and in Params ("step_sec").
	key string
	// name is how the scenario's Validate names it ("step-for").
	name string
	// set decodes a JSON value into the scenario's field. Its error is a
	// *fieldError relative to the param: " must be a number, ..." or
	// "[2] must be ...".
	set func(raw json.RawMessage) error
}

// number is a param holding any finite number.
func number(key, name string, p *float64) param {
	return param{key, name, func(raw json.RawMessage) error {
		f, err := decodeNumber(raw)
		if err != nil {
			return err
		}
		*p = f
		return nil
	}}
}

// seconds is a duration param given in seconds.
func seconds(key, name string, p *time.Duration) param {
	return param{key, name, func(raw json.RawMessage) error { return decodeDuration(raw, time.Second, p) }}
}

// millis is a duration param given in milliseconds.
func millis(key, name string, p *time.Duration) param {
	return param{key, name, func(raw json.RawMessage) error { return decodeDuration(raw, time.Millisecond, p) }}
}

// secondsList is a param holding an array of durations in seconds.
func secondsList(key, name string, p *[]time.Duration) param {
	return param{key, name, func(raw json.RawMessage) error {
		if kind(raw) != "an array" {
			return mustBe("an array of numbers (seconds)", raw)
		}
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return &fieldError{rest: ": " + err.Error(), err: err}
		}
		out := make([]time.Duration, len(elems))
		var errs []error
		for i, e := range elems {
			if err := decodeDuration(e, time.Second, &out[i]); err != nil {
				errs = append(errs, under("["+strconv.Itoa(i)+"]", err))
			}
		}
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
		*p = out
		return nil
	}}
}

// integer is a param holding an int.
func integer(key, name string, p *int) param {
	return param{key, name, func(raw json.RawMessage) error {
		if kind(raw) != "a number" {
			return mustBe("an integer", raw)
		}
		s := string(raw)
		if n, err := strconv.ParseInt(s, 10, strconv.IntSize); err == nil {
			*p = int(n)
			return nil
		}
		// 1e3 and 4.0 are integers too, written as JSON numbers may be.
		if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
			*p = int(f)
			return nil
		}
		return &fieldError{rest: fmt.Sprintf(" must be an integer from %d to %d, but is %s", math.MinInt, math.MaxInt, s)}
	}}
}

// unsigned is a param holding a uint64.
func unsigned(key, name string, p *uint64) param {
	return param{key, name, func(raw json.RawMessage) error {
		if kind(raw) != "a number" {
			return mustBe("an integer", raw)
		}
		s := string(raw)
		if n, err := strconv.ParseUint(s, 10, 64); err == nil {
			*p = n
			return nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && f >= 0 && f <= 1<<53 {
			*p = uint64(f)
			return nil
		}
		return &fieldError{rest: fmt.Sprintf(" must be an integer from 0 to %d, but is %s", uint64(math.MaxUint64), s)}
	}}
}

// text is a param holding a string.
func text(key, name string, p *string) param {
	return param{key, name, func(raw json.RawMessage) error { return decodeString(raw, p) }}
}

// boolean is a param holding true or false.
func boolean(key, name string, p *bool) param {
	return param{key, name, func(raw json.RawMessage) error {
		switch string(raw) {
		case "true":
			*p = true
		case "false":
			*p = false
		default:
			return mustBe("true or false", raw)
		}
		return nil
	}}
}

// decodeNumber decodes a finite JSON number.
func decodeNumber(raw json.RawMessage) (float64, error) {
	if kind(raw) != "a number" {
		return 0, mustBe("a number", raw)
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		// Only a number out of float64's range gets here (1e999).
		return 0, &fieldError{rest: " must be a finite number, but is " + string(raw), err: err}
	}
	return f, nil
}

// decodeDuration decodes a number of units into *p.
func decodeDuration(raw json.RawMessage, unit time.Duration, p *time.Duration) error {
	f, err := decodeNumber(raw)
	if err != nil {
		return err
	}
	ns := math.Round(f * float64(unit))
	if math.Abs(ns) >= 1<<63 {
		return &fieldError{rest: fmt.Sprintf(" must be at most %d in magnitude (about 292 years), but is %s", math.MaxInt64/int64(unit), raw)}
	}
	*p = time.Duration(ns)
	return nil
}

// decodeString decodes a JSON string.
func decodeString(raw json.RawMessage, p *string) error {
	if kind(raw) != "a string" {
		return mustBe("a string", raw)
	}
	if err := json.Unmarshal(raw, p); err != nil {
		return &fieldError{rest: ": " + err.Error(), err: err}
	}
	return nil
}

// kind names the JSON type of a valid JSON value, with its article.
func kind(raw json.RawMessage) string {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// mustBe says a value has the wrong JSON type.
func mustBe(want string, raw json.RawMessage) *fieldError {
	return &fieldError{rest: fmt.Sprintf(" must be %s, but is %s", want, kind(raw))}
}

// fieldError is one problem with one field of a file: its Error is the
// field's name as the file spells it ("params.factor") followed by rest
// (" must be ..."), so every message starts with the field it is about.
type fieldError struct {
	field string
	rest  string
	// err is the underlying error, if any.
	err error
}

func (e *fieldError) Error() string { return e.field + e.rest }

func (e *fieldError) Unwrap() error { return e.err }

// under puts prefix in front of the field that err (a *fieldError, or
// several joined) is about; any other error is given prefix and a colon.
func under(prefix string, err error) error {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var errs []error
		for _, e := range joined.Unwrap() {
			errs = append(errs, under(prefix, e))
		}
		return errors.Join(errs...)
	}
	if fe, ok := err.(*fieldError); ok {
		return &fieldError{field: prefix + fe.field, rest: fe.rest, err: fe.err}
	}
	return &fieldError{field: prefix, rest: ": " + err.Error(), err: err}
}

// field names a key of an object found under prefix, quoting it if it
// holds anything but letters, digits, '_' and '-'.
func field(prefix, key string) string {
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return prefix + strconv.Quote(key)
		}
	}
	if key == "" {
		return prefix + `""`
	}
	return prefix + key
}

// rename turns the errors of a scenario's Validate, which name fields as
// its flags do ("step-for must be at least 1s"), into errors naming them
// as the file does ("params.step_sec must be at least 1s"). renames maps
// Validate's names to the file's keys; an index ("keep-alives[1]") is
// kept. An error naming no known field is kept whole under "params".
func rename(err error, renames map[string]string) []error {
	if err == nil {
		return nil
	}
	var errs []error
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	} else {
		errs = []error{err}
	}
	out := make([]error, 0, len(errs))
	for _, e := range errs {
		msg := strings.ReplaceAll(e.Error(), "\n", "; ")
		token, rest := msg, ""
		if i := strings.IndexAny(msg, " :"); i >= 0 {
			token, rest = msg[:i], msg[i:]
		}
		name, index := token, ""
		if i := strings.IndexByte(token, '['); i >= 0 {
			name, index = token[:i], token[i:]
		}
		if key, ok := renames[name]; ok {
			out = append(out, &fieldError{field: "params." + key + index, rest: rest, err: e})
			continue
		}
		out = append(out, &fieldError{field: "params", rest: ": " + msg, err: e})
	}
	return out
}

// member is one member of a JSON object, in the order it was written.
type member struct {
	key   string
	value json.RawMessage
}

// object decodes data, a JSON object, into its members. prefix names the
// object's fields in errors ("params."). A key given twice is an error,
// and so, when whole is set, is anything after the object. It returns nil
// members if data is not an object it could read to the end.
func object(data []byte, prefix string, whole bool) ([]member, []error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return nil, []error{errors.New(`empty: a scenario file is a JSON object such as {"scenario": "steady"}`)}
	}
	if err != nil {
		return nil, []error{syntaxError(data, err)}
	}
	if tok != json.Delim('{') {
		what := "a string"
		switch tok.(type) {
		case json.Delim:
			what = "an array"
		case float64:
			what = "a number"
		case bool:
			what = "a boolean"
		case nil:
			what = "null"
		}
		return nil, []error{fmt.Errorf("a scenario file must be a JSON object, but is %s", what)}
	}
	var (
		members []member
		errs    []error
		seen    = map[string]bool{}
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, []error{syntaxError(data, err)}
		}
		key, _ := tok.(string) // the decoder only returns strings for keys
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, []error{syntaxError(data, err)}
		}
		if seen[key] {
			errs = append(errs, &fieldError{field: field(prefix, key), rest: " is given twice"})
			continue
		}
		seen[key] = true
		members = append(members, member{key, value})
	}
	if _, err := dec.Token(); err != nil {
		return nil, []error{syntaxError(data, err)}
	}
	if whole {
		end := dec.InputOffset()
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			at := end + int64(len(data[end:])-len(bytes.TrimLeft(data[end:], " \t\r\n")))
			line, col := position(data, at)
			return nil, []error{fmt.Errorf("trailing data after the JSON object, at line %d, column %d: a file holds one object", line, col)}
		}
	}
	if members == nil {
		members = []member{}
	}
	return members, errs
}

// syntaxError describes a decoding error with the line and column where
// it happened. json.Decoder's offsets count from the value it was reading,
// so the position comes from decoding data whole.
func syntaxError(data []byte, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errors.New("invalid JSON: the input ends inside the object")
	}
	var (
		se  *json.SyntaxError
		raw json.RawMessage
	)
	if errors.As(json.Unmarshal(data, &raw), &se) && se.Offset > 0 {
		line, col := position(data, se.Offset-1)
		return fmt.Errorf("invalid JSON at line %d, column %d: %w", line, col, se)
	}
	return fmt.Errorf("invalid JSON: %w", err)
}

// position turns a byte offset into data into a line and column, from 1.
func position(data []byte, offset int64) (line, col int) {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line = 1 + bytes.Count(before, []byte("\n"))
	col = 1 + len(before) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, col
}
