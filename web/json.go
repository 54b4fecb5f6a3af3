package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"genuine"
)

// decode reads the JSON request body into v: the body must be declared
// application/json, fit in the size limit, hold exactly one JSON value,
// name each member of an object once, and name no member v lacks, in the
// case v names it. Its errors say what is wrong in words a client
// developer can act on.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	if err := declaredJSON(r); err != nil {
		return err
	}
	body, err := readBody(w, r, s.cfg.MaxBodyBytes)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		return genuine.Errorf(genuine.EInvalid, "the request body must hold one JSON value, but more follows it")
	}
	// encoding/json keeps the last of duplicate members and matches names
	// in any case: the body is checked again for both.
	return checkMembers(body, reflect.TypeOf(v))
}

// declaredJSON checks that a request declares its body UTF-8 JSON: 415
// otherwise.
func declaredJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return httpError(http.StatusUnsupportedMediaType, genuine.EInvalid, "the request body must be JSON, sent with Content-Type: application/json (got %.60q)", ct)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return httpError(http.StatusUnsupportedMediaType, genuine.EInvalid, "the request body must be UTF-8 (got charset %.20q)", cs)
	}
	return nil
}

// rawJSON returns the request body, declared JSON and within the size
// limit, for an App method that parses the document itself. A body that
// is valid JSON has no object naming a member twice.
func (s *Server) rawJSON(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if err := declaredJSON(r); err != nil {
		return nil, err
	}
	body, err := readBody(w, r, s.cfg.MaxBodyBytes)
	if err != nil {
		return nil, err
	}
	// Invalid JSON is left to the parser, which says where it breaks.
	if json.Valid(body) {
		if err := checkMembers(body, nil); err != nil {
			return nil, err
		}
	}
	return body, nil
}

// readBody reads a request body of at most limit bytes, whatever its type.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, genuine.Errorf(genuine.ETooLarge, "the request body exceeds %d bytes", tooLarge.Limit)
	case err != nil:
		return nil, genuine.Errorf(genuine.EInvalid, "the request body cannot be read: %v", err)
	}
	return b, nil
}

// limitParam returns the query parameter limit, 0 when absent: the App
// then applies its default.
func limitParam(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, genuine.Errorf(genuine.EInvalid, "limit must be a positive integer, not %.20q", v)
	}
	return n, nil
}

// jsonProblem explains a decoding error.
func jsonProblem(err error) error {
	var (
		syntax    *json.SyntaxError
		typ       *json.UnmarshalTypeError
		tooLarge  *http.MaxBytesError
		domainErr *genuine.Error
	)
	switch {
	case errors.As(err, &tooLarge):
		return genuine.Errorf(genuine.ETooLarge, "the request body exceeds %d bytes", tooLarge.Limit)
	case errors.Is(err, io.EOF):
		return genuine.Errorf(genuine.EInvalid, "the request body is empty; it must be a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return genuine.Errorf(genuine.EInvalid, "the request body is not valid JSON: it ends too early")
	case errors.As(err, &syntax):
		return genuine.Errorf(genuine.EInvalid, "the request body is not valid JSON: %s (at byte %d)", strings.TrimPrefix(syntax.Error(), "json: "), syntax.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return genuine.Errorf(genuine.EInvalid, "the request body must be a JSON %s, not %s", jsonType(typ.Type), typ.Value)
		}
		return genuine.Errorf(genuine.EInvalid, "%s must be %s, not %s", typ.Field, withArticle(jsonType(typ.Type)), typ.Value)
	case errors.As(err, &domainErr):
		return err // from a field's own parser, such as a date
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return genuine.Errorf(genuine.EInvalid, "unknown member %s in the request body", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return genuine.Errorf(genuine.EInvalid, "the request body cannot be read: %v", err)
}

// jsonType names the JSON type a Go type is decoded from.
func jsonType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct:
		if reflect.PointerTo(t).Implements(reflect.TypeFor[interface{ UnmarshalText([]byte) error }]()) {
			return "string"
		}
		return "object"
	case reflect.Map:
		return "object"
	}
	return t.String()
}

func withArticle(s string) string {
	if strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

// writeJSON writes v as a JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	return encodeJSON(w, status, v)
}

// encodeJSON encodes v before writing anything, so that an encoding error
// can still become a problem response.
func encodeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	b = append(b, '\n')
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	// A write error means the client went away; nothing can be said to it.
	w.Write(b)
	return nil
}
