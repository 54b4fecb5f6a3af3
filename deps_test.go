package genuine_test

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// listedPackage is what `go list -json` says of a package of the module.
type listedPackage struct {
	ImportPath string
	Name       string
	Doc        string
	Imports    []string
}

// modulePackages lists every package of the module with the go command, as
// `go list ./...` sees them from the module root.
func modulePackages(t *testing.T) []listedPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "./...")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found %d packages; the test reads the wrong tree", len(pkgs))
	}
	return pkgs
}

const module = "genuine"

// inModule reports whether path is a package of this module.
func inModule(path string) bool {
	return path == module || strings.HasPrefix(path, module+"/")
}

// standard reports whether path is a standard library package: its first
// element has no dot (this module's path has none either, so it is
// excluded first).
func standard(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !inModule(path) && !strings.Contains(first, ".")
}

// adapter returns the adapter a package of the module belongs to: its first
// directory ("sqlite" for genuine/sqlite and genuine/sqlite/x), or its first
// two under payment/ ("payment/stripe"), so that one provider never imports
// another.
func adapter(path string) string {
	rel := strings.TrimPrefix(path, module+"/")
	parts := strings.Split(rel, "/")
	if parts[0] == "payment" && len(parts) > 1 {
		return "payment/" + parts[1]
	}
	return parts[0]
}

// TestDeps keeps the import direction of the layout: cmd → adapters →
// genuine → gs1 and the standard library; the payment providers may
// import what they share, package payment, and any adapter web/i18n, the
// words of genuine's pages (which imports only the domain). The domain imports only the
// standard library and gs1; gs1 only the standard library; an adapter never
// imports another adapter; web imports no store, provider or metrics
// package, so it cannot know which it runs on. Tests may import what they
// need (web's tests run on real SQLite), so only a package's own imports
// are checked.
func TestDeps(t *testing.T) {
	for _, p := range modulePackages(t) {
		for _, imp := range p.Imports {
			if err := allowedImport(p.ImportPath, imp); err != "" {
				t.Errorf("%s imports %s: %s", p.ImportPath, imp, err)
			}
		}
	}
}

// storeOrProviderLibraries are the prefixes of the database drivers,
// payment SDKs and metrics library that only their adapters import.
var storeOrProviderLibraries = []string{
	"database/sql",
	"github.com/jackc/",
	"modernc.org/sqlite",
	"github.com/stripe/",
	"github.com/smartwalle/",
	"github.com/wechatpay-apiv3/",
	"github.com/prometheus/",
}

// allowedImport returns why pkg may not import imp, or "" if it may.
func allowedImport(pkg, imp string) string {
	switch {
	case pkg == module+"/gs1" || strings.HasPrefix(pkg, module+"/gs1/"):
		if !standard(imp) && !strings.HasPrefix(imp, module+"/gs1") {
			return "gs1 stands alone: it imports only the standard library"
		}
	case pkg == module:
		if !standard(imp) && imp != module+"/gs1" {
			return "the domain imports only the standard library and gs1"
		}
	case strings.HasPrefix(pkg, module+"/cmd/"), pkg == module+"/payment/paytest":
		// The binary wires everything together, and so does the harness
		// that runs every provider's fake through a whole server.
	default:
		if pkg == module+"/web" || strings.HasPrefix(pkg, module+"/web/") {
			for _, d := range storeOrProviderLibraries {
				if strings.HasPrefix(imp, d) {
					return "web does not know which store, provider or metrics library it runs on"
				}
			}
		}
		if !inModule(imp) || imp == module || imp == module+"/gs1" {
			return ""
		}
		if imp == module+"/payment" && strings.HasPrefix(pkg, module+"/payment/") {
			return "" // what the providers share
		}
		if imp == module+"/web/i18n" {
			return "" // the words of every page: the simulated provider's pay page is one
		}
		if adapter(imp) != adapter(pkg) {
			return "adapters never import each other"
		}
	}
	return ""
}

// TestDepsRules checks allowedImport itself on imports the layout forbids,
// so that TestDeps cannot pass by allowing everything.
func TestDepsRules(t *testing.T) {
	for _, c := range []struct {
		pkg, imp string
		ok       bool
	}{
		{"genuine", "context", true},
		{"genuine", "genuine/gs1", true},
		{"genuine", "genuine/sqlite", false},
		{"genuine", "github.com/jackc/pgx/v5", false},
		{"genuine/gs1", "genuine", false},
		{"genuine/gs1", "strings", true},
		{"genuine/web", "genuine", true},
		{"genuine/web", "genuine/sqlite", false},
		{"genuine/web", "genuine/postgres", false},
		{"genuine/web", "genuine/payment/simulated", false},
		{"genuine/web", "genuine/metrics", false},
		{"genuine/web", "github.com/jackc/pgx/v5", false},
		{"genuine/web", "github.com/prometheus/client_golang/prometheus", false},
		{"genuine/web", "html/template", true},
		{"genuine/sqlite", "genuine/postgres", false},
		{"genuine/payment/stripe", "genuine/payment", true},
		{"genuine/payment/stripe", "genuine/payment/alipay", false},
		{"genuine/payment/stripe", "genuine/payment/paytest", false},
		{"genuine/payment", "genuine/payment/stripe", false},
		{"genuine/payment/paytest", "genuine/web", true},
		{"genuine/sqlite", "genuine/storetest", false},
		{"genuine/postgres/pgtest", "genuine/postgres", true},
		{"genuine/payment/stripe", "genuine/payment/simulated", false},
		{"genuine/payment/simulated", "genuine/web/i18n", true},
		{"genuine/payment/simulated", "genuine/web", false},
		{"genuine/payment/stripe", "github.com/stripe/stripe-go/v85", true},
		{"genuine/metrics", "github.com/prometheus/client_golang/prometheus", true},
		{"genuine/cmd/genuine", "genuine/sqlite", true},
	} {
		if got := allowedImport(c.pkg, c.imp) == ""; got != c.ok {
			t.Errorf("allowedImport(%s, %s) allowed = %v, want %v", c.pkg, c.imp, got, c.ok)
		}
	}
}

// TestPackageDocs keeps every package documented: a package comment that
// says what it is for (for a command, what it does).
func TestPackageDocs(t *testing.T) {
	for _, p := range modulePackages(t) {
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("package %s (%s) has no doc comment", p.ImportPath, p.Name)
			continue
		}
		want := "Package " + p.Name + " "
		if p.Name == "main" {
			want = "Command "
		}
		if !strings.HasPrefix(p.Doc, want) {
			t.Errorf("package %s: doc comment %q should begin %q", p.ImportPath, p.Doc, want)
		}
	}
}
