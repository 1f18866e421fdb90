package results

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/archbench/archbench/internal/atomicfile"
)

// FileName is the name of the results file inside a run's folder.
const FileName = "results.json"

// LatestLink is the name of the symbolic link, in the results folder, to the
// folder of the run written last.
const LatestLink = "latest"

// maxScenarioInID bounds the scenario part of a run ID.
const maxScenarioInID = 40

// NewRunID returns a run ID for scenario started at t, such as
// "20261122-235815-steady-3f9a0c": the UTC start time, so IDs sort by time,
// the scenario reduced to lower-case letters, digits and dashes, and a
// random suffix, so runs started in the same second do not collide. The ID
// is safe as a folder name.
func NewRunID(scenario string, t time.Time) string {
	var suffix [3]byte
	_, _ = rand.Read(suffix[:]) // never fails; see crypto/rand.Read
	return t.UTC().Format("20060102-150405") + "-" + slug(scenario) + "-" + hex.EncodeToString(suffix[:])
}

// slug reduces s to lower-case ASCII letters, digits and single dashes.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		if b.Len() >= maxScenarioInID {
			break
		}
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(c)
		default:
			dash = true
		}
	}
	if b.Len() == 0 {
		return "run"
	}
	return b.String()
}

// Write stores run as dir/<run.ID>/results.json and points dir/latest at
// the run's folder; it returns the file's path. The file is replaced
// atomically (written beside it, then renamed), so a reader never sees half
// of it. An empty run.Schema is set to SchemaVersion; another is refused, as
// is an ID that is not a plain folder name.
func Write(dir string, run Run) (path string, err error) {
	if run.Schema == "" {
		run.Schema = SchemaVersion
	}
	if run.Schema != SchemaVersion {
		return "", fmt.Errorf("write run %q: schema %q: this archbench writes only %q", run.ID, run.Schema, SchemaVersion)
	}
	if err := checkID(run.ID); err != nil {
		return "", fmt.Errorf("write run: %w", err)
	}
	data, err := Encode(run)
	if err != nil {
		return "", fmt.Errorf("write run %s: %w", run.ID, err)
	}
	runDir := filepath.Join(dir, run.ID)
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return "", fmt.Errorf("write run %s: %w", run.ID, err)
	}
	path = filepath.Join(runDir, FileName)
	if err := atomicfile.Write(path, data); err != nil {
		return "", fmt.Errorf("write run %s: %w", run.ID, err)
	}
	if err := pointLatest(dir, run.ID); err != nil {
		return path, fmt.Errorf("write run %s: results written to %s, but %w: %w", run.ID, path, ErrLatestLink, err)
	}
	return path, nil
}

// ErrLatestLink is what Write's error matches when the run was written but
// dir/latest could not be pointed at it (a file system without symbolic
// links, or a directory in the way): the run itself is safe.
var ErrLatestLink = errors.New("the latest link was not updated")

func checkID(id string) error {
	switch {
	case id == "":
		return errors.New("empty run ID: set Run.ID, for instance with NewRunID")
	case id != filepath.Base(id) || !filepath.IsLocal(id) || strings.ContainsAny(id, `/\`) || id == LatestLink:
		return fmt.Errorf("run ID %q is not a plain folder name: use NewRunID", id)
	}
	return nil
}

// Encode returns run as indented JSON, as Write stores it.
func Encode(run Run) ([]byte, error) {
	data, err := json.MarshalIndent(run, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode results: %w", err)
	}
	return append(data, '\n'), nil
}

// pointLatest makes dir/latest a relative symbolic link to dir/id, replacing
// any previous link atomically.
func pointLatest(dir, id string) error {
	link := filepath.Join(dir, LatestLink)
	tmp := link + ".tmp-" + id
	_ = os.Remove(tmp)
	if err := os.Symlink(id, tmp); err != nil {
		return fmt.Errorf("link %s: %w", link, err)
	}
	if err := os.Rename(tmp, link); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("link %s: %w", link, err)
	}
	return nil
}

// Latest returns the path of the results file of the run written last to
// dir, following dir/latest.
func Latest(dir string) (string, error) {
	id, err := os.Readlink(filepath.Join(dir, LatestLink))
	if err != nil {
		return "", fmt.Errorf("latest run in %s: %w (has a run been written there?)", dir, err)
	}
	return filepath.Join(dir, id, FileName), nil
}

// Read loads a run from path, a results.json file or a run's folder. See
// Decode for what it refuses.
func Read(path string) (Run, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, FileName)
	}
	f, err := os.Open(path)
	if err != nil {
		return Run{}, fmt.Errorf("read results: %w", err)
	}
	defer f.Close()
	run, err := Decode(f)
	if err != nil {
		return Run{}, fmt.Errorf("read %s: %w", path, err)
	}
	return run, nil
}

// Decode parses a run from JSON. It refuses a document whose "schema" field
// is missing or names a version it does not know, before looking at
// anything else, and anything but one JSON document. Unknown fields are
// ignored: v1 grows by adding fields, and a newer archbench's file must stay
// readable (see the package documentation).
func Decode(r io.Reader) (Run, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Run{}, fmt.Errorf("decode results: %w", err)
	}
	var head struct {
		Schema *string `json:"schema"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return Run{}, fmt.Errorf("decode results: %w", err)
	}
	switch {
	case head.Schema == nil:
		return Run{}, fmt.Errorf("decode results: missing \"schema\" field: want %q (not an archbench results file?)", SchemaVersion)
	case *head.Schema != SchemaVersion:
		return Run{}, fmt.Errorf("decode results: unsupported \"schema\" field %q: this archbench reads %q; use the archbench version that wrote the file", *head.Schema, SchemaVersion)
	}
	var run Run
	if err := json.Unmarshal(data, &run); err != nil {
		return Run{}, fmt.Errorf("decode results: %w", err)
	}
	return run, nil
}
