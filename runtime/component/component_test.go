package component

import (
	"bufio"
	"context"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRegisterPeers(t *testing.T) {
	tests := []struct {
		args    []string
		want    map[string]string
		wantErr bool
	}{
		{[]string{"-peer", "psp=http://127.0.0.1:1/"}, map[string]string{"psp": "http://127.0.0.1:1"}, false},
		{[]string{"-peer", "a=http://x", "-peer", "b=http://y,http://z"}, map[string]string{"a": "http://x", "b": "http://y,http://z"}, false},
		{[]string{"-peer", "noequals"}, nil, true},
		{[]string{"-peer", "=http://x"}, nil, true},
		{[]string{"-peer", "a="}, nil, true},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			cfg := Register(fs)
			err := fs.Parse(tc.args)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Parse error = %v, want error: %v", err, tc.wantErr)
			}
			for name, want := range tc.want {
				if got, err := cfg.Peer(name); err != nil || got != want {
					t.Errorf("Peer(%q) = %q, %v; want %q", name, got, err, want)
				}
			}
		})
	}
	if _, err := (Config{}).Peer("psp"); err == nil || !strings.Contains(err.Error(), "-peer psp=URL") {
		t.Fatalf("missing peer error = %v, want it to say how to pass it", err)
	}
}

// TestServeAnnouncesAndDrains checks the protocol: the READY line carries a
// URL that serves, and cancelling the context shuts the server down.
func TestServeAnnouncesAndDrains(t *testing.T) {
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") })
	go func() {
		done <- Serve(ctx, &Config{Listen: "127.0.0.1:0"}, h, pw, slog.New(slog.DiscardHandler), time.Second)
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(line), ReadyPrefix)
	if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("ready line %q, want %q followed by a loopback URL", line, ReadyPrefix)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hi" {
		t.Fatalf("body %q, want hi", body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve after cancel = %v, want nil", err)
	}
	if _, err := http.Get(url); err == nil {
		t.Fatal("server still answers after shutdown")
	}
}
