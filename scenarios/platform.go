package scenarios

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/archbench/archbench/faas"
	"github.com/archbench/archbench/results"
)

// platformTimeout bounds fetching a function platform's statistics.
const platformTimeout = 10 * time.Second

// maxStatsBytes bounds the statistics document read; an hour of seconds and
// a few dozen functions take well under a megabyte.
const maxStatsBytes = 16 << 20

// addPlatform fetches the statistics of the function platform that the
// component named component serves at baseURL, and records them in res: the
// per-function account in res.Platform, the instance counts in res.Series.
func addPlatform(ctx context.Context, baseURL, component string, res *results.VariantResult) error {
	st, err := fetchPlatformStats(ctx, baseURL)
	if err != nil {
		return err
	}
	res.Platform = platformResult(component, st)
	switch {
	case len(res.Series) == 0 || len(st.Seconds) == 0:
	case res.StartedAt.IsZero():
		res.Notes = append(res.Notes, "the platform's instance counts are not in the series: the scenario did not record when its schedule started")
	case addInstances(res.Series, st.Seconds, res.StartedAt) == 0:
		res.Notes = append(res.Notes, "the platform's instance counts cover none of the measured seconds: they are not in the series")
	}
	return nil
}

// fetchPlatformStats gets the platform's Stats from baseURL + faas.StatsPath.
func fetchPlatformStats(ctx context.Context, baseURL string) (faas.Stats, error) {
	url := baseURL + faas.StatsPath
	ctx, cancel := context.WithTimeout(ctx, platformTimeout)
	defer cancel()
	client := &http.Client{Timeout: platformTimeout}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return faas.Stats{}, fmt.Errorf("platform stats: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return faas.Stats{}, fmt.Errorf("platform stats: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return faas.Stats{}, fmt.Errorf("platform stats from %s: HTTP %d: %q", url, resp.StatusCode, msg)
	}
	var st faas.Stats
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxStatsBytes)).Decode(&st); err != nil {
		return faas.Stats{}, fmt.Errorf("platform stats from %s: decode: %w", url, err)
	}
	return st, nil
}

// platformResult converts the platform's account into the results schema.
func platformResult(component string, st faas.Stats) *results.Platform {
	p := &results.Platform{Component: component, AccountConcurrency: st.AccountConcurrency, KeepAliveSec: st.KeepAliveSec,
		Functions: make([]results.PlatformFunction, 0, len(st.Functions))}
	for _, f := range st.Functions {
		p.Functions = append(p.Functions, results.PlatformFunction{
			Name:                 f.Name,
			MemoryMB:             f.MemoryMB,
			Routes:               f.Routes,
			ReservedConcurrency:  f.ReservedConcurrency,
			Invocations:          f.Invocations,
			Errors:               f.Errors,
			Throttles:            f.Throttles,
			ColdStarts:           f.ColdStarts,
			InitMs:               results.InitPercentiles{P50: f.InitMs.P50, P99: f.InitMs.P99, Max: f.InitMs.Max},
			DeadLetters:          f.DeadLetters,
			BilledMs:             f.BilledMs,
			GBSeconds:            f.GBSeconds,
			PeakInstances:        f.PeakInstances,
			Provisioned:          f.Provisioned,
			ProvisionedGBSeconds: f.ProvisionedGBSeconds,
		})
	}
	p.Total = results.SumPlatform(p.Functions)
	return p
}

// addInstances puts the platform's per-second instance counts into series
// and returns how many of its seconds it placed. The platform counts in
// wall-clock (Unix) seconds; series second T spans start+T to start+T+1s.
// Each platform second goes to the series second it overlaps most: its
// Unix second less start rounded to the nearest second. A platform second
// with no series second (the warmup, the deployment, after the load) is
// left out.
func addInstances(series []results.Second, secs []faas.InstanceSecond, start time.Time) int {
	index := make(map[int64]int, len(series))
	for i, s := range series {
		index[s.T] = i
	}
	zero := start.Round(time.Second).Unix()
	placed := 0
	for _, s := range secs {
		i, ok := index[s.Unix-zero]
		if !ok {
			continue
		}
		series[i].Instances = max(series[i].Instances, s.Instances)
		series[i].BusyInstances = max(series[i].BusyInstances, s.Busy)
		placed++
	}
	return placed
}
