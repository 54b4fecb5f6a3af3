package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"genuine"
	"genuine/postgres/pgtest"
)

// clusterClient bounds every request the cluster tests make.
var clusterClient = &http.Client{Timeout: 15 * time.Second}

// clusterWorld is a brand with a released batch, merchants and their keys,
// made through one server.
type clusterWorld struct {
	adminKey     string
	merchantKeys []string
	codes        []string
}

// initStore runs `genuine init` on db and returns the admin key.
func initStore(t *testing.T, db string) string {
	t.Helper()
	stdout, stderr, code := run(t, "", "init", "--db", db, "--json")
	var init struct {
		AdminKey string `json:"admin_key"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &init) != nil || !strings.HasPrefix(init.AdminKey, "gk_") {
		t.Fatalf("init: exit %d, %q, %q", code, stdout, stderr)
	}
	return init.AdminKey
}

// newClusterWorld creates, through s, a brand, merchants in the given
// regions with a key each, a product and a released batch of quantity
// units, and fetches the batch's codes.
func newClusterWorld(t *testing.T, s *server, adminKey string, regions []string, quantity int) *clusterWorld {
	t.Helper()
	w := &clusterWorld{adminKey: adminKey}
	var brand, key struct{ ID, Key string }
	if st := api(t, s, adminKey, "POST", "/v1/brands", map[string]any{"name": "Acme"}, &brand); st != 201 {
		t.Fatalf("create brand: %d", st)
	}
	if st := api(t, s, adminKey, "POST", "/v1/keys", map[string]any{"role": "brand", "brand_id": brand.ID}, &key); st != 201 {
		t.Fatalf("create brand key: %d", st)
	}
	for i, region := range regions {
		var merchant, mkey struct{ ID, Key string }
		if st := api(t, s, adminKey, "POST", "/v1/merchants", map[string]any{"name": fmt.Sprintf("Shop %d", i), "region": region}, &merchant); st != 201 {
			t.Fatalf("create merchant: %d", st)
		}
		if st := api(t, s, adminKey, "POST", "/v1/keys", map[string]any{"role": "merchant", "merchant_id": merchant.ID}, &mkey); st != 201 {
			t.Fatalf("create merchant key: %d", st)
		}
		w.merchantKeys = append(w.merchantKeys, mkey.Key)
	}
	if st := api(t, s, key.Key, "POST", "/v1/products", map[string]any{"gtin": "09520123456788", "name": "Tonic"}, nil); st != 201 {
		t.Fatalf("create product: %d", st)
	}
	var batch struct{ ID string }
	if st := api(t, s, key.Key, "POST", "/v1/batches", map[string]any{"gtin": "09520123456788", "lot": "L1", "expiry": "2027-12-31", "quantity": quantity, "regions": []string{"CN-GD"}}, &batch); st != 201 {
		t.Fatalf("create batch: %d", st)
	}
	if st := api(t, s, key.Key, "POST", "/v1/batches/"+batch.ID+"/events", map[string]any{"type": "release"}, nil); st/100 != 2 {
		t.Fatalf("release: %d", st)
	}
	w.codes = batchCodes(t, s, key.Key, batch.ID, quantity)
	return w
}

// checkoutAnswer is what a till saw of one checkout attempt.
type checkoutAnswer struct {
	server, merchant, unit, round int
	start, end                    time.Time
	status                        int
	err                           error
	id, state, payURL, code       string
	deadline                      time.Time
	payPressed                    bool // the pay button answered 200 paid
	final                         string
}

// postCheckout posts a one-unit cart and records the answer.
func postCheckout(base, key, idem, code string) checkoutAnswer {
	a := checkoutAnswer{start: time.Now()}
	b, _ := json.Marshal(map[string]any{"items": []map[string]any{{"code": code, "price": 100}}, "currency": "CNY", "provider": "simulated"})
	req, _ := http.NewRequest("POST", base+"/v1/checkouts", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Idempotency-Key", idem)
	resp, err := clusterClient.Do(req)
	if err != nil {
		a.err, a.end = err, time.Now()
		return a
	}
	var body struct {
		ID       string
		Status   string
		Deadline time.Time
		Code     string
		Payment  *struct {
			PayURL string `json:"pay_url"`
		}
	}
	derr := json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	a.end = time.Now()
	a.status, a.id, a.state, a.deadline, a.code = resp.StatusCode, body.ID, body.Status, body.Deadline, body.Code
	if body.Payment != nil {
		a.payURL = body.Payment.PayURL
	}
	if derr != nil && resp.StatusCode == 201 {
		a.err = derr
	}
	return a
}

// pressPay presses the simulated provider's Pay button and reports whether
// it answered 200 with status paid.
func pressPay(payURL string) bool {
	req, _ := http.NewRequest("POST", payURL+"/pay", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := clusterClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var out struct{ Status string }
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode == 200 && out.Status == "paid"
}

// unitState is the public verification's state of a code.
func unitState(t *testing.T, s *server, code string) string {
	t.Helper()
	var v struct{ State string }
	if st := api(t, s, "", "POST", "/v1/verify", map[string]string{"code": code}, &v); st != 200 {
		t.Errorf("verify %s: %d", code, st)
	}
	return v.State
}

// errorLines returns the ERROR lines a server logged.
func errorLines(s *server) []string {
	var out []string
	for _, line := range strings.Split(s.stderr.String(), "\n") {
		if strings.Contains(line, "level=ERROR") || strings.Contains(line, "panic") || strings.Contains(line, "DATA RACE") {
			out = append(out, line)
		}
	}
	return out
}

// Three servers on one PostgreSQL, with their reconcilers all running,
// take concurrent checkouts of the same few units from several merchants:
// no unit is reserved by two checkouts at once or sold twice, every paid
// checkout's unit is sold, and nothing stays reserved past its deadline.
func TestThreeServersOnePostgres(t *testing.T) {
	testStart := time.Now()
	db := pgtest.Database(t, "to run three servers on one database")
	// Every server on one database has its master key.
	t.Setenv("GENUINE_MASTER_KEY", genuine.FormatMasterKey(genuine.NewMasterKey()))
	adminKey := initStore(t, db)
	const ttl = 3 * time.Second
	var servers []*server
	for range 3 {
		servers = append(servers, startServerWith(t, db, nil,
			"--reconcile-every", "100ms", "--reservation-ttl", ttl.String(), "--notify-grace", "500ms"))
	}
	w := newClusterWorld(t, servers[0], adminKey, []string{"CN-GD-SZ", "CN-GD-SZ", "CN-GD-SZ", "CN-GD-GZ"}, 20)

	// Rounds of 30 simultaneous attempts on the same 5 units, round-robin
	// over the servers and merchants. Some start while the units are
	// reserved, some around the deadline, while the reconcilers release
	// them, and some after.
	const hot, attempts = 5, 30
	offsets := []time.Duration{0, 800 * time.Millisecond, 2900 * time.Millisecond, 3300 * time.Millisecond, 4 * time.Second, 5500 * time.Millisecond, 6300 * time.Millisecond, 6700 * time.Millisecond}
	var (
		mu      sync.Mutex
		answers []*checkoutAnswer
	)
	t0 := time.Now()
	for round, off := range offsets {
		if d := time.Until(t0.Add(off)); d > 0 {
			time.Sleep(d)
		}
		if time.Since(testStart) > 40*time.Second {
			t.Errorf("out of time before round %d", round)
			break
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		batch := make([]*checkoutAnswer, attempts)
		for i := range attempts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				unit, srv, merchant := i%hot, i%len(servers), (i/hot)%len(w.merchantKeys)
				<-start
				a := postCheckout(servers[srv].url, w.merchantKeys[merchant], fmt.Sprintf("r%d-a%d", round, i), w.codes[unit])
				a.server, a.merchant, a.unit, a.round = srv, merchant, unit, round
				batch[i] = &a
			}()
		}
		close(start)
		wg.Wait()
		// Pay some of the winners (twice, concurrently, for one of them:
		// the notification must apply once); leave the others to expire,
		// all of round 3's, whose deadlines the last rounds race.
		var pay sync.WaitGroup
		for _, a := range batch {
			if a.status == 201 && (round+a.unit)%2 == 0 && round != 3 {
				presses := 1
				if a.unit == 0 {
					presses = 2
				}
				for range presses {
					pay.Add(1)
					go func() {
						defer pay.Done()
						if pressPay(a.payURL) {
							mu.Lock()
							a.payPressed = true
							mu.Unlock()
						}
					}()
				}
			}
		}
		pay.Wait()
		answers = append(answers, batch...)
	}

	// Every attempt was answered; count how.
	statuses := map[string]int{}
	var won []*checkoutAnswer
	for _, a := range answers {
		switch {
		case a.err != nil:
			t.Errorf("round %d, unit %d, server %d: %v", a.round, a.unit, a.server, a.err)
		case a.status == 201:
			if a.state != "awaiting_payment" || a.id == "" || a.payURL == "" || a.deadline.IsZero() {
				t.Errorf("201 answer without a reservation: %+v", *a)
			}
			won = append(won, a)
		case a.status >= 500:
			t.Errorf("round %d, unit %d, server %d: %d %s", a.round, a.unit, a.server, a.status, a.code)
		}
		statuses[fmt.Sprintf("%d %s%s", a.status, a.state, a.code)]++
	}
	t.Logf("%d attempts: %v", len(answers), statuses)

	// Wait until no checkout awaits payment.
	for _, a := range won {
		end := time.Now().Add(20 * time.Second)
		for {
			var c struct{ Status string }
			if st := api(t, servers[a.server], adminKey, "GET", "/v1/checkouts/"+a.id, nil, &c); st != 200 {
				t.Errorf("get checkout %s: %d", a.id, st)
			}
			a.final = c.Status
			if c.Status != "awaiting_payment" || time.Now().After(end) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if a.final == "awaiting_payment" {
			t.Errorf("checkout %s (unit %d) still awaits payment %v after its deadline", a.id, a.unit, time.Since(a.deadline))
		}
		if a.payPressed && a.final != "paid" {
			t.Errorf("checkout %s (unit %d): the pay button answered paid, but the checkout is %s", a.id, a.unit, a.final)
		}
	}

	// No two reservations of one unit overlapped: of any two checkouts
	// answered 201 for a unit, one was released (not paid) at its deadline
	// before the other was answered.
	byUnit := map[int][]*checkoutAnswer{}
	for _, a := range won {
		byUnit[a.unit] = append(byUnit[a.unit], a)
	}
	releasedBefore := func(a, b *checkoutAnswer) bool { return a.final != "paid" && !b.end.Before(a.deadline) }
	for unit := range hot {
		list := byUnit[unit]
		sort.Slice(list, func(i, j int) bool { return list[i].end.Before(list[j].end) })
		paid := 0
		var trail []string
		for i, a := range list {
			trail = append(trail, fmt.Sprintf("%s(round %d, server %d, answered %s, deadline %s, %s)", a.id, a.round, a.server,
				a.end.Sub(t0).Round(time.Millisecond), a.deadline.Sub(t0).Round(time.Millisecond), a.final))
			if a.final == "paid" {
				paid++
			}
			for _, b := range list[:i] {
				if !releasedBefore(a, b) && !releasedBefore(b, a) {
					t.Errorf("unit %d reserved by two checkouts at once: %s (answered %s, deadline %s, %s) and %s (answered %s, deadline %s, %s)", unit,
						b.id, b.end.Sub(t0), b.deadline.Sub(t0), b.final, a.id, a.end.Sub(t0), a.deadline.Sub(t0), a.final)
				}
			}
		}
		t.Logf("unit %d: %s", unit, strings.Join(trail, " → "))
		if paid > 1 {
			t.Errorf("unit %d sold by %d checkouts", unit, paid)
		}
		want := "in_channel"
		if paid == 1 {
			want = "sold"
		}
		if got := unitState(t, servers[unit%3], w.codes[unit]); got != want {
			t.Errorf("unit %d is %s; %d of its checkouts paid, want %s", unit, got, paid, want)
		}
	}
	// The units nobody touched are still in the channel, on every server.
	for i := hot; i < len(w.codes); i++ {
		if got := unitState(t, servers[i%3], w.codes[i]); got != "in_channel" {
			t.Errorf("untouched unit %d is %s", i, got)
		}
	}
	// The reconcilers ran on all three servers at once without error.
	for i, s := range servers {
		if lines := errorLines(s); len(lines) > 0 {
			t.Errorf("server %d logged errors:\n%s", i, strings.Join(lines, "\n"))
		}
	}
	t.Logf("%d reservations, in %v", len(won), time.Since(testStart).Round(time.Millisecond))
}

// Checkouts acknowledged (201) before the server is killed with SIGKILL
// are all there after a restart, their units reserved: on the embedded
// store, whose Updates are committed in groups, and on PostgreSQL, where
// a checkout's write is too (postgres/group.go).
func TestDurableReservations(t *testing.T) {
	t.Run("embedded", func(t *testing.T) {
		testDurableReservations(t, filepath.Join(t.TempDir(), "genuine.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Setenv("GENUINE_MASTER_KEY", genuine.FormatMasterKey(genuine.NewMasterKey()))
		testDurableReservations(t, pgtest.Database(t, "to kill a server on PostgreSQL"))
	})
}

func testDurableReservations(t *testing.T, db string) {
	adminKey := initStore(t, db)
	flags := []string{"--reservation-ttl", "1h", "--reconcile-every", "100ms", "--notify-grace", "1h"}
	s := startServerWith(t, db, nil, flags...)
	w := newClusterWorld(t, s, adminKey, []string{"CN-GD-SZ"}, 1500)

	type ack struct {
		id   string
		unit int
	}
	var (
		mu    sync.Mutex
		acks  []ack
		next  atomic.Int64
		sent  atomic.Int64
		fails atomic.Int64
		wg    sync.WaitGroup
	)
	stop := time.Now().Add(2 * time.Second)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				unit := int(next.Add(1) - 1)
				if unit >= len(w.codes) {
					return
				}
				sent.Add(1)
				a := postCheckout(s.url, w.merchantKeys[0], fmt.Sprintf("till-%d", unit), w.codes[unit])
				switch {
				case a.err == nil && a.status == 201:
					mu.Lock()
					acks = append(acks, ack{a.id, unit})
					mu.Unlock()
				case a.err != nil:
					fails.Add(1)
					time.Sleep(20 * time.Millisecond)
				default:
					t.Errorf("checkout of unit %d: %d %s", unit, a.status, a.code)
				}
			}
		}()
	}
	// Killed in the middle of the load, once some checkouts are
	// acknowledged, whatever this machine's speed.
	var before int
	for deadline := time.Now().Add(time.Second); ; time.Sleep(time.Millisecond) {
		mu.Lock()
		before = len(acks)
		mu.Unlock()
		if before >= len(w.codes)/5 || time.Now().After(deadline) {
			break
		}
	}
	s.cmd.Process.Kill()
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not die")
	}
	wg.Wait()
	if before == 0 {
		t.Fatal("no checkout was acknowledged before the kill")
	}
	if fails.Load() == 0 {
		t.Fatal("no checkout failed with the server gone: the kill came after the load")
	}

	s = startServerWith(t, db, nil, flags...)
	lost := 0
	for _, a := range acks {
		var c struct{ Status string }
		st := api(t, s, w.merchantKeys[0], "GET", "/v1/checkouts/"+a.id, nil, &c)
		if st != 200 || (c.Status != "awaiting_payment" && c.Status != "paid") {
			t.Errorf("acknowledged checkout %s (unit %d) after restart: %d %q", a.id, a.unit, st, c.Status)
			lost++
			continue
		}
		if got := unitState(t, s, w.codes[a.unit]); got != "reserved" && got != "sold" {
			t.Errorf("unit %d of acknowledged checkout %s after restart: %s, want reserved", a.unit, a.id, got)
			lost++
		}
	}
	t.Logf("%d checkouts sent, %d acknowledged (%d before the kill was sent), %d failed with the server gone, %d lost",
		sent.Load(), len(acks), before, fails.Load(), lost)
	if lines := errorLines(s); len(lines) > 0 {
		t.Errorf("restarted server logged errors:\n%s", strings.Join(lines, "\n"))
	}
}
