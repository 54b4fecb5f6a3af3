package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// docs/operating.md names every command of the usage, every flag each
// command's help lists, and every GENUINE_ variable the code reads.
func TestOperatingDoc(t *testing.T) {
	doc, err := os.ReadFile("../../docs/operating.md")
	if err != nil {
		t.Fatal(err)
	}
	_, list, _ := strings.Cut(usage, "Commands:\n")
	list, _, _ = strings.Cut(list, "\n\n")
	flagLine := regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`)
	commands := 0
	for _, line := range strings.Split(list, "\n") {
		args := strings.Fields(line)[:1]
		switch args[0] {
		case "help":
			continue
		case "gs1", "policy", "audit", "keys": // their lines name a subcommand too
			args = strings.Fields(line)[:2]
		}
		commands++
		name := strings.Join(args, " ")
		if !bytes.Contains(doc, []byte("`"+name)) {
			t.Errorf("docs/operating.md does not name the command %q", name)
		}
		var stdout, stderr bytes.Buffer
		m := &Main{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr}
		if code := m.Run(context.Background(), append(args, "-h")); code != 0 {
			t.Errorf("genuine %s -h: exit %d\n%s", name, code, stderr.String())
		}
		for _, f := range flagLine.FindAllStringSubmatch(stderr.String(), -1) {
			if !bytes.Contains(doc, []byte("--"+f[1])) {
				t.Errorf("docs/operating.md does not name --%s of %s", f[1], name)
			}
		}
	}
	if commands < 12 {
		t.Errorf("%d commands found in the usage; its Commands: list changed shape", commands)
	}
	sources, _ := filepath.Glob("*.go")
	pgtest, _ := filepath.Glob("../../postgres/pgtest/*.go")
	variable := regexp.MustCompile(`GENUINE_[A-Z_]+`)
	var vars []string
	for _, name := range append(sources, pgtest...) {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		vars = append(vars, variable.FindAllString(string(src), -1)...)
	}
	slices.Sort(vars)
	for _, v := range slices.Compact(vars) {
		if !bytes.Contains(doc, []byte("`"+v+"`")) {
			t.Errorf("docs/operating.md does not name %s", v)
		}
	}
	if len(vars) == 0 {
		t.Error("no GENUINE_ variable found in the sources")
	}
}

// No link of the README or of docs/ leaves the repository: each is a path
// to a file in it (a clone has nothing beside it), or an address of the
// local server the walk-through runs.
func TestDocLinks(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	docs = append(docs, filepath.Join(root, "README.md"))
	if len(docs) < 4 {
		t.Fatalf("found %d documents; want README.md and docs/*.md", len(docs))
	}
	// Code is not linked when the Markdown is shown: fenced blocks and
	// code spans are left out.
	code := regexp.MustCompile("(?s)```.*?```|`[^`\n]*`")
	link := regexp.MustCompile(`\]\(([^)\s]+)\)|<(https?://[^>\s]+)>|(https?://[^\s)>"']+)`)
	local := regexp.MustCompile(`^https?://(127\.0\.0\.1|localhost)(:\d+)?(/|$)`)
	links := 0
	for _, doc := range docs {
		text, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		name, _ := filepath.Rel(root, doc)
		for _, m := range link.FindAllStringSubmatch(code.ReplaceAllString(string(text), ""), -1) {
			target := m[1] + m[2] + m[3]
			links++
			switch {
			case strings.HasPrefix(target, "#"):
			case strings.Contains(target, "://"):
				if !local.MatchString(target) {
					t.Errorf("%s links out of the repository: %s", name, target)
				}
			default:
				path, _, _ := strings.Cut(target, "#")
				abs := filepath.Join(filepath.Dir(doc), filepath.FromSlash(path))
				if rel, err := filepath.Rel(root, abs); err != nil || strings.HasPrefix(rel, "..") {
					t.Errorf("%s links out of the repository: %s", name, target)
				} else if _, err := os.Stat(abs); err != nil {
					t.Errorf("%s links to %s, which is not in the repository", name, target)
				}
			}
		}
	}
	if links == 0 {
		t.Fatal("no link found in the documents; the pattern is wrong")
	}
}
