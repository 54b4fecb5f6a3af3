package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strconv"

	"genuine"
)

// staticFS holds the pages' scripts, styles and vendored files, served
// at /static/.
//
//go:embed static
var staticFS embed.FS

// staticFile is one file of staticFS as served: its bytes, type and the
// version its URL carries (the start of its SHA-256).
type staticFile struct {
	body        []byte
	contentType string
	version     string
}

// staticTypes are the types of the files served, by extension: fixed
// here, not read from the machine's MIME tables.
var staticTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml",
	".png": "image/png",
}

// staticFiles are the files of staticFS by their path under static/,
// read once.
var staticFiles = func() map[string]staticFile {
	m := map[string]staticFile{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := staticTypes[path.Ext(p)]
		if !ok {
			return nil // licences and notes beside vendored files are not served
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		m[p[len("static/"):]] = staticFile{body: b, contentType: ct, version: hex.EncodeToString(sum[:6])}
		return nil
	})
	if err != nil {
		panic(err)
	}
	return m
}()

// staticURL returns the URL of a static file, versioned by its content so
// that a browser may keep it for as long as it likes: "/static/till.js?v=…".
// It panics for a file that does not exist, which the page tests find.
func staticURL(name string) string {
	f, ok := staticFiles[name]
	if !ok {
		panic("web: no static file " + name)
	}
	return "/static/" + name + "?v=" + f.version
}

// serveStatic handles GET /static/{name...}: a page's script, style or
// vendored file. Asked for at its current version (staticURL), it may be
// cached for a year; otherwise it must be revalidated, by its ETag.
func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
	f, ok := staticFiles[r.PathValue("name")]
	if !ok {
		return genuine.Errorf(genuine.ENotFound, "no such file")
	}
	h := w.Header()
	etag := `"` + f.version + `"`
	h.Set("ETag", etag)
	if r.URL.Query().Get("v") == f.version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h.Set("Content-Type", f.contentType)
	h.Set("Content-Length", strconv.Itoa(len(f.body)))
	w.WriteHeader(http.StatusOK)
	w.Write(f.body)
	return nil
}
