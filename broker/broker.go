// Package broker is the shop's event broker: an embedded NATS server with
// JetStream (durable, at-least-once delivery), started in-process or as its
// own program (cmd/broker) by a runtime. It also names the shop's event
// stream and subjects, and the event types on them.
package broker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
)

// Server is a running NATS server with JetStream.
type Server struct {
	ns *server.Server
}

// Start starts a NATS server listening on listen ("127.0.0.1:0" picks a free
// port) that keeps JetStream's data in dir, and waits until it accepts
// connections.
func Start(listen, dir string) (*Server, error) {
	host, portText, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("start broker: listen address %q: %w", listen, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("start broker: port %q: %w", portText, err)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	ns, err := server.NewServer(&server.Options{
		Host: host, Port: port, JetStream: true, StoreDir: dir,
		NoLog: true, NoSigs: true,
	})
	if err != nil {
		return nil, fmt.Errorf("start broker: %w", err)
	}
	// The server reports why it could not start (a port in use, a
	// JetStream store it cannot open) only to its logger, and then never
	// becomes ready: catch the reason, so that a failed start says why at
	// once instead of waiting out the timeout.
	log := startLog{fatal: make(chan string, 1)}
	ns.SetLogger(log, false, false)
	ns.Start()
	for deadline := time.Now().Add(10 * time.Second); !ns.ReadyForConnections(50 * time.Millisecond); {
		var err error
		select {
		case reason := <-log.fatal:
			err = fmt.Errorf("start broker on %s: %s", listen, reason)
		default:
			if time.Now().After(deadline) {
				err = errors.New("start broker: not ready for connections within 10s")
			}
		}
		if err != nil {
			ns.Shutdown()
			ns.WaitForShutdown()
			return nil, err
		}
	}
	return &Server{ns: ns}, nil
}

// startLog is the server's logger: silent, but it passes on the first fatal
// error, which is why the server did not start.
type startLog struct{ fatal chan string }

func (l startLog) Fatalf(format string, v ...any) {
	select {
	case l.fatal <- fmt.Sprintf(format, v...):
	default:
	}
}

func (startLog) Noticef(string, ...any) {}
func (startLog) Warnf(string, ...any)   {}
func (startLog) Errorf(string, ...any)  {}
func (startLog) Debugf(string, ...any)  {}
func (startLog) Tracef(string, ...any)  {}

// URL is the address clients connect to, e.g. "nats://127.0.0.1:4222".
func (s *Server) URL() string { return s.ns.ClientURL() }

// Close shuts the server down and waits for it.
func (s *Server) Close() {
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
}

// The shop's event stream and subjects.
const (
	// Stream holds every order event.
	Stream = "ORDERS"
	// SubjectOrderPlaced carries an OrderPlaced when an order is paid.
	SubjectOrderPlaced = "order.placed"
)

// OrderPlaced is published once an order is paid. Consumers must be
// idempotent: delivery is at least once.
type OrderPlaced struct {
	OrderID    string `json:"order_id"`
	CartID     string `json:"cart_id"`
	TotalCents int64  `json:"total_cents"`
}

// DuplicateWindow is how long the stream drops a message whose ID it has
// stored. It covers a publisher retrying one publication (seconds), and no
// more: a sweep that re-publishes a confirmation still pending after it
// (OrderPublisher.Republish) must reach the consumers again, because the
// event may have been consumed and given up on (a function platform
// dead-letters an event after its last attempt, as when the service it
// calls is down), and only a new message delivers it. Consumers are
// idempotent, so an event re-published while still on its way costs a
// redundant delivery, not a second confirmation. With the two minutes it
// had before, a confirmation dropped in a crash stayed undelivered for two
// minutes, longer than the data audit waits.
const DuplicateWindow = 10 * time.Second

// EnsureStream creates or updates the shop's stream: file storage, so events
// survive a broker restart, and a DuplicateWindow so a publisher that
// retries with the same message ID publishes once.
func EnsureStream(ctx context.Context, js jetstream.JetStream) (jetstream.Stream, error) {
	s, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       Stream,
		Subjects:   []string{"order.>"},
		Storage:    jetstream.FileStorage,
		Duplicates: DuplicateWindow,
	})
	if err != nil {
		return nil, fmt.Errorf("ensure stream %s: %w", Stream, err)
	}
	return s, nil
}
