package httpapi

import (
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"strings"

	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/operation"
)

// Harden wraps a ServeMux so that every answer it gives on its own is the
// contract's JSON error: an unknown route is 404 not_found, a known route with
// the wrong method is 405 method_not_allowed (with Allow), and a panic in a
// handler is logged and answered 500 rather than dropping the connection.
// A request it routes carries its operation (package operation) in its
// context: the one its operation.Header names (none if empty), or, without
// the header, the route pattern it matched.
func Harden(mux *http.ServeMux, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				api.WriteError(w, r, log, fmt.Errorf("panic: %v", v))
			}
		}()
		_, pattern := mux.Handler(r)
		if pattern == "" || !canonical(r) {
			// The mux would answer in plain text (or redirect an unclean
			// path such as /products//1 with an HTML body): find out which
			// error it means.
			rec := &statusRecorder{header: http.Header{}}
			mux.ServeHTTP(rec, r)
			switch rec.status {
			case http.StatusMethodNotAllowed:
				if allow := rec.header.Get("Allow"); allow != "" {
					w.Header().Set("Allow", allow)
				}
				api.WriteJSON(w, http.StatusMethodNotAllowed, api.ErrorBody{Error: api.ErrorDetail{
					Code: api.CodeMethodNotAllowed, Message: fmt.Sprintf("%s is not allowed on %s", r.Method, r.URL.Path)}})
			default:
				api.WriteError(w, r, log, fmt.Errorf("no route %s %s: %w", r.Method, r.URL.Path, shop.ErrNotFound))
			}
			return
		}
		// The operation the request serves: the caller's (none, for work
		// no request started), or, from a client that names none, the
		// route it matched here.
		op, ok := operation.FromHeader(r.Header)
		if !ok {
			op = pattern
		}
		mux.ServeHTTP(w, r.WithContext(operation.With(r.Context(), op)))
	})
}

// statusRecorder captures the mux's own error answer without sending it.
type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header         { return s.header }
func (s *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusRecorder) WriteHeader(code int)        { s.status = code }

// canonical reports whether the mux would route r's path as it is, rather
// than redirect to its cleaned form; it mirrors net/http's cleanPath.
func canonical(r *http.Request) bool {
	if r.Method == http.MethodConnect {
		return true // the mux does not clean CONNECT paths
	}
	p := r.URL.EscapedPath()
	if p == "" || p[0] != '/' {
		return false
	}
	np := path.Clean(p)
	if strings.HasSuffix(p, "/") && np != "/" {
		np += "/"
	}
	return np == p
}
