package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// server is a running `genuine serve` process.
type server struct {
	cmd    *exec.Cmd
	url    string
	stderr *lockedBuffer
	done   chan struct{} // closed when the process has exited
	err    error         // how it exited, once done is closed
}

// startServer runs `genuine serve` on a free port and waits until it serves.
func startServer(t *testing.T, db string) *server {
	t.Helper()
	return startServerWith(t, db, nil)
}

// interruptSignal stops a server gracefully.
var interruptSignal = syscall.SIGINT

// startServerWith is startServer with extra environment and flags.
func startServerWith(t *testing.T, db string, env []string, flags ...string) *server {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--public-rate", "0", "--key-rate", "0"}, flags...)...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan struct{})}
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-s.done
	})
	found := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stderr)
		re := regexp.MustCompile(`serving on (http://\S+)`)
		sent := false
		for {
			line, err := r.ReadString('\n')
			s.stderr.WriteString(line)
			if m := re.FindStringSubmatch(line); m != nil && !sent {
				found <- m[1]
				sent = true
			}
			if err != nil {
				s.err = cmd.Wait()
				close(s.done)
				return
			}
		}
	}()
	select {
	case s.url = <-found:
	case <-time.After(20 * time.Second):
		t.Fatalf("server did not start: %s", s.stderr)
	}
	return s
}

// api calls the server's API with a key and decodes the answer.
func api(t *testing.T, s *server, key, method, path string, body, out any) int {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.url+path, r)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// batchCodes returns the codes of a batch of want units, as the server
// exports them to its brand (key).
func batchCodes(t *testing.T, s *server, key, batchID string, want int) []string {
	t.Helper()
	req, _ := http.NewRequest("GET", s.url+"/v1/batches/"+batchID+"/codes?format=csv", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	resp.Body.Close()
	var codes []string
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n")[1:] {
		_, code, _ := strings.Cut(line, ",")
		codes = append(codes, code)
	}
	if len(codes) != want {
		t.Fatalf("export of batch %s: %d codes, want %d", batchID, len(codes), want)
	}
	return codes
}

// The binary from init to a graceful stop: init, serve, mint, release,
// verify, forge, codes and events list.
func TestInitServeMintVerify(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "genuine.db")
	stdout, stderr, code := run(t, "", "init", "--db", db, "--json")
	var init struct {
		AdminKey string `json:"admin_key"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &init) != nil || !strings.HasPrefix(init.AdminKey, "gk_") {
		t.Fatalf("init: exit %d, %q, %q", code, stdout, stderr)
	}
	if _, stderr, code := run(t, "", "init", "--db", db); code != 1 || !strings.Contains(stderr, "admin key already") {
		t.Errorf("second init: exit %d, %q", code, stderr)
	}
	s := startServer(t, db)
	if strings.Contains(s.stderr.String(), "Admin key") {
		t.Error("serve printed a new admin key for an initialised store")
	}
	var brand, key struct{ ID, Key string }
	if st := api(t, s, init.AdminKey, "POST", "/v1/brands", map[string]string{"name": "Acme"}, &brand); st != 201 {
		t.Fatalf("create brand: %d", st)
	}
	if st := api(t, s, init.AdminKey, "POST", "/v1/keys", map[string]string{"role": "brand", "brand_id": brand.ID}, &key); st != 201 {
		t.Fatalf("create key: %d", st)
	}
	env := []string{"GENUINE_SERVER=" + s.url, "GENUINE_KEY=" + key.Key}
	out := filepath.Join(dir, "codes.csv")
	_, stderr, code = runEnv(t, env, "", "mint", "--gtin", "09520123456788", "--product-name", "Acme Tonic",
		"--lot", "LOT-1", "--expiry", "2027-12-31", "--quantity", "2000", "--regions", "CN-GD", "--out", out)
	if code != 0 {
		t.Fatalf("mint: exit %d: %s", code, stderr)
	}
	data, _ := os.ReadFile(out)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2001 || lines[0] != "serial,code" || strings.Contains(stderr, "\r") {
		t.Fatalf("codes file: %d lines, header %q; stderr %q", len(lines), lines[0], stderr)
	}
	batchID := regexp.MustCompile(`bat_\w+`).FindString(stderr)
	code1 := strings.SplitN(lines[1], ",", 2)[1]
	stdout, _, code = runEnv(t, env, "", "verify", code1)
	if code != 0 || !strings.Contains(stdout, "GENUINE") || !strings.Contains(stdout, "not released") && !strings.Contains(stdout, "commissioned") {
		t.Errorf("verify before release: exit %d, %q", code, stdout)
	}
	if _, stderr, code := runEnv(t, env, "", "events", "batch", batchID, "release"); code != 0 {
		t.Fatalf("release: %s", stderr)
	}
	stdout, _, code = runEnv(t, env, "", "verify", "--json", code1)
	var v struct {
		Authentic bool
		State     string
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &v) != nil || !v.Authentic || v.State != "in_channel" {
		t.Errorf("verify after release: exit %d, %q", code, stdout)
	}
	forged := code1[:len(code1)-1] + map[bool]string{true: "1", false: "0"}[strings.HasSuffix(code1, "0")]
	if stdout, _, code := runEnv(t, env, "", "verify", forged); code != 1 || !strings.Contains(stdout, "counterfeit_suspected") {
		t.Errorf("verify forged: exit %d, %q", code, stdout)
	}
	// The codes of the batch can be written again, the same.
	again, _, code := runEnv(t, env, "", "codes", batchID)
	if code != 0 || again != string(data) {
		t.Errorf("codes: exit %d, same %v", code, again == string(data))
	}
	if stdout, _, code := runEnv(t, env, "", "events", "list", batchID); code != 0 || !strings.Contains(stdout, "release") {
		t.Errorf("events list: %d %q", code, stdout)
	}
	// Interrupted, the server shuts down gracefully and exits 0.
	s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
		if s.err != nil || !strings.Contains(s.stderr.String(), "shutting down") {
			t.Errorf("serve exit: %v; %s", s.err, s.stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop on SIGINT")
	}
}

// A new store served without init prints its admin key once.
func TestServeNewStorePrintsAdminKey(t *testing.T) {
	db := filepath.Join(t.TempDir(), "new.db")
	s := startServer(t, db)
	if !regexp.MustCompile(`Admin key.*\n?gk_\w+`).MatchString(s.stderr.String()) {
		t.Errorf("no admin key printed: %s", s.stderr)
	}
	var h map[string]any
	if st := api(t, s, "", "GET", "/healthz", nil, &h); st != 200 {
		t.Errorf("healthz: %d", st)
	}
}

// runEnv runs the binary with extra environment and stdin, and returns
// stdout, stderr and exit status.
func runEnv(t *testing.T, env []string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

// lockedBuffer is a buffer the server's output goroutine writes while the
// test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) WriteString(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(s)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"genuine.db":                             "genuine.db",
		"postgres://user:s3cret@db:5432/genuine": "postgres://user:xxxxx@db:5432/genuine",
		"postgres://postgres@127.0.0.1/test":     "postgres://postgres@127.0.0.1/test",
	} {
		if got := redact(in); got != want || strings.Contains(got, "s3cret") {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSimulatedOnlyOnLoopback: the simulated provider, whose pay button
// anyone may press, runs only on a loopback address or when asked for.
func TestSimulatedOnlyOnLoopback(t *testing.T) {
	db := filepath.Join(t.TempDir(), "genuine.db")
	stdout, _, _ := run(t, "", "init", "--db", db, "--json")
	var init struct {
		AdminKey string `json:"admin_key"`
	}
	if err := json.Unmarshal([]byte(stdout), &init); err != nil {
		t.Fatalf("init: %v: %s", err, stdout)
	}
	for _, tc := range []struct {
		name  string
		env   []string
		flags []string
		on    bool
	}{
		{"any address", nil, []string{"--addr", "0.0.0.0:0"}, false},
		{"any address, --simulated", nil, []string{"--addr", "0.0.0.0:0", "--simulated"}, true},
		{"any address, GENUINE_SIMULATED=true", []string{"GENUINE_SIMULATED=true"}, []string{"--addr", "0.0.0.0:0"}, true},
		{"loopback", nil, nil, true},
		{"loopback, --simulated=false", nil, []string{"--simulated=false"}, false},
		{"loopback behind a proxy", nil, []string{"--trusted-proxy", "127.0.0.1"}, false},
		{"loopback behind a proxy, --simulated", nil, []string{"--trusted-proxy", "127.0.0.1", "--simulated"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startServerWith(t, db, tc.env, tc.flags...)
			defer stopServer(t, s)
			var merchant, key struct{ ID, Key string }
			api(t, s, init.AdminKey, "POST", "/v1/merchants", map[string]any{"name": "Shop", "region": "CN-GD-SZ"}, &merchant)
			api(t, s, init.AdminKey, "POST", "/v1/keys", map[string]any{"role": "merchant", "merchant_id": merchant.ID}, &key)
			status, problem, err := checkoutOnce(s, key.Key, "k1", "https://id.example.com/01/09520123456788/21/X")
			if err != nil {
				t.Fatal(err)
			}
			detail, _ := problem["detail"].(string)
			refused := status == 400 && problem["code"] == "invalid" && strings.Contains(detail, "simulated")
			page, err := http.Get(s.url + "/pay/simulated/sim_AAAAAAAAAAAAAAAAAAAA")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(page.Body)
			page.Body.Close()
			hasPage := strings.Contains(string(body), "TEST MODE")
			pay, err := http.Post(s.url+"/pay/simulated/sim_AAAAAAAAAAAAAAAAAAAA/pay", "", nil)
			if err != nil {
				t.Fatal(err)
			}
			pay.Body.Close()
			banner := strings.Contains(s.stderr.String(), "TEST MODE: the simulated payment provider is on")
			// A merchant's live Stripe account: refused in test mode.
			live := api(t, s, key.Key, "PUT", "/v1/merchants/"+merchant.ID+"/providers/stripe", map[string]any{
				"mode": "live", "secret_key": "sk_live_51Hx0000000000000000000000", "webhook_secret": "whsec_0000000000000000", "account_id": "acct_1Hx00000000000",
			}, nil)
			if tc.on {
				if refused || !hasPage || !banner || live != http.StatusConflict {
					t.Errorf("on: checkout refused %v (%d %v), page %v, startup banner %v, a live account %d", refused, status, problem, hasPage, banner, live)
				}
			} else if !refused || hasPage || banner || pay.StatusCode != 404 || page.StatusCode != 404 || live != http.StatusOK {
				t.Errorf("off: checkout %d %v, page %d (TEST MODE %v), pay %d, startup banner %v, a live account %d", status, problem, page.StatusCode, hasPage, pay.StatusCode, banner, live)
			}
		})
	}
	if _, stderr, code := runEnv(t, []string{"GENUINE_SIMULATED=maybe"}, "", "serve", "--db", db, "--addr", "127.0.0.1:0"); code != 2 || !strings.Contains(stderr, "GENUINE_SIMULATED") {
		t.Errorf("GENUINE_SIMULATED=maybe: exit %d, %s", code, stderr)
	}
}

// TestTrustedProxyFlag: --trusted-proxy takes addresses and CIDR prefixes,
// repeated or comma-separated, and replaces GENUINE_TRUSTED_PROXY.
func TestTrustedProxyFlag(t *testing.T) {
	var l prefixList
	if err := l.setDefault("192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if got := l.String(); got != "192.0.2.1/32" {
		t.Errorf("from the environment: %s", got)
	}
	for _, v := range []string{"10.0.0.0/8, 2001:db8::/32", "172.16.0.9/12", "::ffff:198.51.100.7"} {
		if err := l.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := l.String(), "10.0.0.0/8,2001:db8::/32,172.16.0.0/12,198.51.100.7/32"; got != want {
		t.Errorf("after the flags: %s, want %s", got, want)
	}
	if err := l.Set("proxy.example"); err == nil {
		t.Error("a host name was taken for a proxy")
	}
}

// TestMaxOpenCartsFlag: --max-open-carts is the bound on open self-checkout
// carts of a merchant that sets none, as its JSON shows; a number outside 1
// to genuine.MaxOpenCartsLimit is a usage error.
func TestMaxOpenCartsFlag(t *testing.T) {
	db := filepath.Join(t.TempDir(), "genuine.db")
	stdout, _, _ := run(t, "", "init", "--db", db, "--json")
	var init struct {
		AdminKey string `json:"admin_key"`
	}
	if err := json.Unmarshal([]byte(stdout), &init); err != nil {
		t.Fatalf("init: %v: %s", err, stdout)
	}
	s := startServerWith(t, db, nil, "--max-open-carts", "3")
	var created, got struct {
		ID           string
		SelfCheckout struct {
			MaxOpenCarts int `json:"max_open_carts"`
		} `json:"self_checkout"`
	}
	api(t, s, init.AdminKey, "POST", "/v1/merchants", map[string]any{"name": "Shop", "region": "CN-GD-SZ"}, &created)
	api(t, s, init.AdminKey, "GET", "/v1/merchants/"+created.ID, nil, &got)
	if created.SelfCheckout.MaxOpenCarts != 3 || got.SelfCheckout.MaxOpenCarts != 3 {
		t.Errorf("--max-open-carts 3: a new merchant shows %d, then %d", created.SelfCheckout.MaxOpenCarts, got.SelfCheckout.MaxOpenCarts)
	}
	stopServer(t, s)
	for _, n := range []string{"0", "-1", "10001"} {
		if _, stderr, code := run(t, "", "serve", "--db", db, "--addr", "127.0.0.1:0", "--max-open-carts", n); code != 2 || !strings.Contains(stderr, "--max-open-carts") {
			t.Errorf("--max-open-carts %s: exit %d, %s", n, code, stderr)
		}
	}
}
