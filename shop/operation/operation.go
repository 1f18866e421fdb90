// Package operation names the public operation that a piece of work
// serves, such as "POST /carts/{id}/checkout" (the shop's route patterns,
// which are also the operation names in results), and carries the name
// along the request's path: in a context within a process, in a header
// between processes. With it a component can count its work per public
// operation even where the work is a service's internal call made on
// behalf of one, as sqlstore's writer counters do.
//
// The name is set where a request first matches a public route (httpapi's
// Harden) and travels with every call made for it (package remote, the
// gateway). Work that no request started, such as a consumer of broker
// events, has no operation.
package operation

import (
	"context"
	"net/http"
)

// Header carries the operation between processes.
const Header = "X-Archbench-Operation"

// MaxLen bounds an operation name read from a header: a longer one is
// ignored, so that a client cannot make a component keep arbitrary text.
const MaxLen = 128

type ctxKey struct{}

// With returns ctx carrying name as the operation; an empty name leaves
// ctx as it is.
func With(ctx context.Context, name string) context.Context {
	if name == "" {
		return ctx
	}
	return context.WithValue(ctx, ctxKey{}, name)
}

// Background serves h as work that no request started, whatever
// operation the request's context or headers name: a function platform's
// delivery of a broker event, say, which reaches a function as an HTTP
// request to a route of its own, but serves no public operation. The work
// h does, and the calls it makes, count under no operation.
func Background(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del(Header)
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, "")))
	})
}

// From returns the operation ctx carries, or "" if none.
func From(ctx context.Context) string {
	name, _ := ctx.Value(ctxKey{}).(string)
	return name
}

// FromHeader returns the operation h carries, and whether h carries the
// header at all. A caller always sends it (SetHeader), empty for work no
// request started, so that the callee does not take its own route for
// the operation; a value that is not a plausible name (longer than
// MaxLen, or with a control character) reads as empty.
func FromHeader(h http.Header) (name string, ok bool) {
	vs, ok := h[Header]
	if !ok {
		return "", false
	}
	if len(vs) == 0 {
		return "", true
	}
	v := vs[0]
	if len(v) > MaxLen {
		return "", true
	}
	for i := range len(v) {
		if c := v[i]; c < ' ' || c == 0x7f {
			return "", true
		}
	}
	return v, true
}

// SetHeader puts the operation ctx carries into h, for a call made on its
// behalf: empty if ctx carries none, so that the callee counts the call's
// work under no operation rather than its own route's.
func SetHeader(h http.Header, ctx context.Context) {
	h[Header] = []string{From(ctx)}
}
