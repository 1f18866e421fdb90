// Command echo is a test component for package process. It speaks the
// component protocol, writes its PID to DATA/pid, and answers GET / with its
// PID, peers and data directory as JSON.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/archbench/archbench/runtime/component"
)

// Info is what GET / answers.
type Info struct {
	PID     int               `json:"pid"`
	Peers   map[string]string `json:"peers"`
	DataDir string            `json:"data_dir"`
	Env     string            `json:"env"`
}

func main() {
	var failStart, ignoreTerm, hang, unhealthy bool
	setup := func(fs *flag.FlagSet) {
		fs.BoolVar(&failStart, "fail-start", false, "exit 1 before ready")
		fs.BoolVar(&ignoreTerm, "ignore-term", false, "ignore SIGTERM")
		fs.BoolVar(&hang, "hang", false, "never become ready")
		fs.BoolVar(&unhealthy, "unhealthy", false, "answer /healthz with 503")
	}
	run := func(ctx context.Context, cfg *component.Config, log *slog.Logger) (http.Handler, func(), error) {
		pid := os.Getpid()
		if err := os.WriteFile(filepath.Join(cfg.DataDir, "pid"), []byte(strconv.Itoa(pid)), 0o644); err != nil {
			return nil, nil, err
		}
		if failStart {
			return nil, nil, errors.New("echo: refusing to start because of -fail-start")
		}
		if ignoreTerm {
			signal.Ignore(syscall.SIGTERM) // undoes component.Main's Notify
		}
		if hang {
			fmt.Fprintln(os.Stderr, "echo: hanging before ready because of -hang")
			<-ctx.Done()
			return nil, nil, errors.New("echo: stopped while hanging")
		}
		info := Info{PID: pid, Peers: cfg.Peers, DataDir: cfg.DataDir, Env: os.Getenv("ECHO_ENV")}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
			if unhealthy {
				http.Error(w, "unhealthy because of -unhealthy", http.StatusServiceUnavailable)
				return
			}
			fmt.Fprintln(w, "ok")
		})
		mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(info)
		})
		return mux, nil, nil
	}
	os.Exit(component.Main("echo", os.Args[1:], setup, run))
}
