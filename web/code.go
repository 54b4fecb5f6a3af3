package web

import (
	"bufio"
	"net/http"
	"time"
	"unicode/utf8"

	"genuine"
)

// codeFormat is a format of the code export: one record per unit.
type codeFormat struct {
	contentType string
	ext         string
	header      string
	// appendRecord appends the record of one unit to dst.
	appendRecord func(dst, serial, code []byte) []byte
}

// codeFormats are the formats of GET /v1/batches/{id}/codes?format=…; the
// first is the default.
var codeFormats = map[string]codeFormat{
	"ndjson": {contentType: "application/x-ndjson", ext: "ndjson", appendRecord: appendNDJSON},
	"csv":    {contentType: "text/csv; charset=utf-8; header=present", ext: "csv", header: "serial,code\n", appendRecord: appendCSV},
}

// exportWriteWindow is how long a streaming export may take to get each
// chunk of its codes out; every flush moves the write deadline forward.
const exportWriteWindow = time.Minute

// exportCodes handles GET /v1/batches/{id}/codes: it streams a batch's
// codes as the App computes them, through a buffer flushed as it fills and
// at every progress report, so memory stays constant however many codes
// the batch has.
func (s *Server) exportCodes(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	name := r.URL.Query().Get("format")
	if name == "" {
		name = "ndjson"
	}
	f, ok := codeFormats[name]
	if !ok {
		return genuine.Errorf(genuine.EInvalid, "format must be ndjson or csv, not %.20q", name)
	}
	cs := &codeStream{w: w, rc: http.NewResponseController(w), format: f, batchID: r.PathValue("id")}
	if err := s.app.WriteCodes(r.Context(), p, cs.batchID, cs.write, cs.progress); err != nil {
		return err // the error writer aborts the response if it has started
	}
	if !cs.started {
		cs.start() // a batch with no codes yet: the header alone
	}
	if err := cs.bw.Flush(); err != nil {
		return err
	}
	return nil
}

// codeStream writes the records of an export, starting the response with
// the first of them so that an error before it is still a problem
// response.
type codeStream struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	format  codeFormat
	batchID string
	bw      *bufio.Writer
	record  []byte
	started bool
}

func (c *codeStream) start() {
	c.started = true
	h := c.w.Header()
	h.Set("Content-Type", c.format.contentType)
	h.Set("Content-Disposition", `attachment; filename="`+c.batchID+`-codes.`+c.format.ext+`"`)
	c.w.WriteHeader(http.StatusOK)
	c.bw = bufio.NewWriterSize(c.w, 64<<10)
	c.bw.WriteString(c.format.header)
}

// write is the App's CodeSink.
func (c *codeStream) write(_ int64, serial, code []byte) error {
	if !c.started {
		c.start()
	}
	c.record = c.format.appendRecord(c.record[:0], serial, code)
	_, err := c.bw.Write(c.record)
	return err
}

// progress flushes what is buffered to the client and moves the write
// deadline, so a long export goes out steadily and is not cut off. A
// failed flush shows in the next write.
func (c *codeStream) progress(_, _ int64) {
	if !c.started || c.bw.Flush() != nil {
		return
	}
	c.rc.SetWriteDeadline(time.Now().Add(exportWriteWindow))
	c.rc.Flush()
}

// appendNDJSON appends {"serial":"…","code":"…"} and a newline.
func appendNDJSON(dst, serial, code []byte) []byte {
	dst = append(dst, `{"serial":`...)
	dst = appendJSONString(dst, serial)
	dst = append(dst, `,"code":`...)
	dst = appendJSONString(dst, code)
	return append(dst, "}\n"...)
}

// appendJSONString appends s as a JSON string. Serials and Digital Link
// URIs are printable ASCII, so the fast path copies them as they are.
func appendJSONString(dst, s []byte) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf:
			dst = append(dst, c)
			i++
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
			i++
		case c < 0x20:
			dst = append(dst, `\u00`...)
			dst = append(dst, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xF])
			i++
		default:
			r, n := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && n == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, s[i:i+n]...)
			}
			i += n
		}
	}
	return append(dst, '"')
}

// appendCSV appends serial,code and a newline, quoting a field when CSV
// requires it (RFC 4180).
func appendCSV(dst, serial, code []byte) []byte {
	dst = appendCSVField(dst, serial)
	dst = append(dst, ',')
	dst = appendCSVField(dst, code)
	return append(dst, '\n')
}

func appendCSVField(dst, f []byte) []byte {
	quote := len(f) > 0 && (f[0] == ' ' || f[0] == '\t')
	for _, c := range f {
		if c == ',' || c == '"' || c == '\n' || c == '\r' {
			quote = true
			break
		}
	}
	if !quote {
		return append(dst, f...)
	}
	dst = append(dst, '"')
	for _, c := range f {
		if c == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}
