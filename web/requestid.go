package web

import (
	"context"
	"log/slog"
	"math/rand/v2"
)

// requestIDHeader carries a request's id, taken from the request when it
// is sane and echoed in the response.
const requestIDHeader = "X-Request-Id"

// maxRequestID bounds the length of a request id taken from a request.
const maxRequestID = 64

// requestID returns the id of a request whose X-Request-Id header is
// given: the header if it is 1 to 64 characters of [A-Za-z0-9._:-], a
// new random id of 16 hex digits otherwise.
func requestID(given string) string {
	if saneRequestID(given) {
		return given
	}
	const digits = "0123456789abcdef"
	var b [16]byte
	for i, v := 0, rand.Uint64(); i < len(b); i, v = i+1, v>>4 {
		b[i] = digits[v&0xf]
	}
	return string(b[:])
}

// saneRequestID reports whether id may be used, logged and echoed as it
// is.
func saneRequestID(id string) bool {
	if len(id) == 0 || len(id) > maxRequestID {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.' || c == '_' || c == ':' || c == '-':
		default:
			return false
		}
	}
	return true
}

// LogHandler returns a slog.Handler that logs through h and adds to every
// record logged with the context of a request the server is serving (the
// Context methods of slog.Logger, LogAttrs) the request's id, as the
// attribute request_id. Give the App and the providers a logger on it, and
// the lines they log while serving a request carry its id. The Server
// wraps Config.Logger so itself; a handler already wrapped is returned as
// it is.
func LogHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(requestIDHandler); ok {
		return h
	}
	return requestIDHandler{h}
}

// requestIDHandler is the slog.Handler of LogHandler.
type requestIDHandler struct{ slog.Handler }

// Handle adds the request id of ctx, if any, to r and logs it.
func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx != nil {
		if ri, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok && ri.id != "" {
			r.AddAttrs(slog.String("request_id", ri.id))
		}
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs returns the handler with attrs added to every record.
func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

// WithGroup returns the handler with later attributes in group name.
func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
