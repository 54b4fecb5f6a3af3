package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// readmeCommand is one command of the README's walk-through, as written,
// with what it must do: exit with wantExit, and when it is a refusal,
// name the reason.
type readmeCommand struct {
	text     string
	wantExit int
	refusal  string // the reason code a refused checkout must give, or ""
}

// TestREADME runs the walk-through of README.md command by command, as a
// reader pastes it into bash, against a real server on a fresh store, so
// that it cannot go stale. It substitutes only what must differ here: the
// server's address (the test's server listens on a free port, not 8080),
// and each placeholder such as gk_… with the last token of that kind an
// earlier answer printed (the admin key comes from the server's output).
// The commands run in a temporary directory that links to the module's
// sources, so that what they build and write stays there. Every command
// must exit 0, unless its comment says "(exit status N)"; a command whose
// comment says "refused: REASON" must print REASON; and the story must
// include a paid checkout and an already_sold refusal.
func TestREADME(t *testing.T) {
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the README's walk-through runs in bash with curl, and %s is not installed", tool)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	cmds := readmeCommands(t, walkthroughBlocks(string(readme)))
	if len(cmds) < 10 {
		t.Fatalf("the README's walk-through has %d commands; is its heading still %q?", len(cmds), walkthroughHeading)
	}
	work := t.TempDir()
	linkModule(t, "../..", work)
	s := startServer(t, filepath.Join(t.TempDir(), "genuine.db"))
	addr := strings.TrimPrefix(s.url, "http://")
	answers := []string{s.stderr.String()}
	state := filepath.Join(t.TempDir(), "state.sh")
	paid, refused := false, map[string]bool{}
	for i, c := range cmds {
		text := fillPlaceholders(strings.ReplaceAll(c.text, "127.0.0.1:8080", addr), answers)
		out, code := runReadmeCommand(t, work, state, text)
		t.Logf("command %d: %s\n%s", i+1, text, out)
		answers = append(answers, out)
		if code != c.wantExit {
			t.Fatalf("README command %d exited %d, want %d:\n%s\n%s", i+1, code, c.wantExit, text, out)
		}
		if c.refusal != "" {
			if !regexp.MustCompile(`Checkout chk_\w+: refused`).MatchString(out) || !strings.Contains(out, c.refusal) {
				t.Fatalf("README command %d was to be refused as %s:\n%s\n%s", i+1, c.refusal, text, out)
			}
			refused[c.refusal] = true
		}
		paid = paid || regexp.MustCompile(`Checkout chk_\w+: paid`).MatchString(out)
	}
	if !paid {
		t.Error("no command of the walk-through showed a paid checkout")
	}
	if !refused["already_sold"] {
		t.Error(`no command of the walk-through was a checkout marked "refused: already_sold"`)
	}
}

// walkthroughHeading starts the README's section that TestREADME runs.
const walkthroughHeading = "## Walk-through"

// walkthroughBlocks returns the ```sh blocks of the README's walk-through
// section, which ends at the next second-level heading.
func walkthroughBlocks(readme string) []string {
	_, section, _ := strings.Cut(readme, "\n"+walkthroughHeading+"\n")
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	var blocks []string
	for {
		_, rest, ok := strings.Cut(section, "\n```sh\n")
		if !ok {
			return blocks
		}
		block, after, _ := strings.Cut(rest, "\n```\n")
		blocks = append(blocks, block)
		section = "\n" + after
	}
}

var (
	exitComment    = regexp.MustCompile(`\(exit status (\d+)\)`)
	refusalComment = regexp.MustCompile(`# refused: (\w+)`)
)

// readmeCommands splits blocks into commands as bash reads them: a command
// goes on while its line ends with a backslash, or while bash finds it
// incomplete (an open quote or here-document). Lines of comments alone are
// left out.
func readmeCommands(t *testing.T, blocks []string) []readmeCommand {
	t.Helper()
	var cmds []readmeCommand
	for _, block := range blocks {
		var text string
		for _, line := range strings.Split(block, "\n") {
			trimmed := strings.TrimSpace(line)
			if text == "" && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
				continue
			}
			text += line + "\n"
			if strings.HasSuffix(line, `\`) || !completeCommand(text) {
				continue
			}
			c := readmeCommand{text: strings.TrimSuffix(text, "\n")}
			if m := exitComment.FindStringSubmatch(text); m != nil {
				c.wantExit, _ = strconv.Atoi(m[1])
			}
			if m := refusalComment.FindStringSubmatch(text); m != nil {
				c.refusal = m[1]
			}
			cmds = append(cmds, c)
			text = ""
		}
		if text != "" {
			t.Fatalf("the README's walk-through has an unfinished command:\n%s", text)
		}
	}
	return cmds
}

// completeCommand reports whether bash reads text as whole commands: it
// fails on an open quote, and warns of a here-document without its end.
func completeCommand(text string) bool {
	out, err := exec.Command("bash", "-n", "-c", text).CombinedOutput()
	return err == nil && len(out) == 0
}

// placeholder is an id or key the reader copies from an earlier answer,
// written as its prefix and an ellipsis: brd_…, gk_….
var placeholder = regexp.MustCompile(`\b([a-z]+)_…`)

// fillPlaceholders replaces each placeholder with the last token of its
// kind in answers, the latest answer last; one no answer holds stays.
func fillPlaceholders(text string, answers []string) string {
	return placeholder.ReplaceAllStringFunc(text, func(p string) string {
		token := regexp.MustCompile(`\b` + placeholder.FindStringSubmatch(p)[1] + `_[0-9A-Za-z]+`)
		for i := len(answers) - 1; i >= 0; i-- {
			if all := token.FindAllString(answers[i], -1); all != nil {
				return all[len(all)-1]
			}
		}
		return p
	})
}

// linkModule fills dir with symbolic links to the module's go.mod, go.sum,
// Go files and directories, so that "go build ./cmd/genuine" works in dir
// and writes there; the files the walk-through writes are not linked.
func linkModule(t *testing.T, root, dir string) {
	t.Helper()
	root, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		source := name == "go.mod" || name == "go.sum" || strings.HasSuffix(name, ".go") && !e.IsDir()
		if !source && !(e.IsDir() && name != "bin" && !strings.HasPrefix(name, ".")) {
			continue
		}
		if err := os.Symlink(filepath.Join(root, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}

// runReadmeCommand runs one command with bash in dir and returns what it
// printed and its exit status. The shell's variables and functions carry
// over from one command to the next through the file state, as they do in
// the reader's one shell; the caller's GENUINE_* variables do not.
func runReadmeCommand(t *testing.T, dir, state, command string) (string, int) {
	t.Helper()
	script := "set -a\n[ -f \"$README_STATE\" ] && . \"$README_STATE\"\n" + command +
		"\nreadme_status=$?\n{ export -p; declare -f; } > \"$README_STATE\"\nexit $readme_status\n"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Dir = dir
	cmd.WaitDelay = 10 * time.Second
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GENUINE_") && !strings.HasPrefix(kv, "BASH_ENV=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "README_STATE="+state)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %q: %v\n%s", command, err, out)
	}
	return string(out), 0
}
