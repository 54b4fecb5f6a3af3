package wechatpay

import (
	"encoding/json"
	"net/http"
	"time"
)

// SignNotification returns a notification of the fake's account of
// settings, sent at at, of event with resource as its plaintext, signed
// and encrypted as the fake signs: for tests of stale and unused
// notifications, which the fake never sends by itself.
func SignNotification(f *Fake, settings []byte, event string, resource any, at time.Time) (http.Header, []byte) {
	s, err := parseSettings(settings)
	if err != nil {
		panic(err)
	}
	f.mu.Lock()
	a := f.accounts[s.MchID]
	f.mu.Unlock()
	plain, err := json.Marshal(resource)
	if err != nil {
		panic(err)
	}
	return signedNotification(a, event, "test", "transaction", plain, at)
}
