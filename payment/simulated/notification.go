package simulated

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"genuine"
)

// SignatureHeader is the header that carries a notification's signature:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>". More
// than one v1 may be given (the receiver accepts any that verifies), and
// other schemes are ignored, as in Stripe's scheme this one follows.
const SignatureHeader = "Genuine-Signature"

// NotifyPath is the path, under the server's BaseURL, that notifications
// are posted to.
const NotifyPath = "/v1/payments/simulated/notify"

// Tolerance is how far a notification's timestamp may be from now, in
// either direction, for ParseNotification to accept it.
const Tolerance = 5 * time.Minute

// maxAttempts is how many times a notification is sent before the
// provider gives up on it; the App's reconciler then queries the payment.
const maxAttempts = 6

// notification is the JSON body of a notification.
type notification struct {
	ID        string                `json:"id"`
	Reference string                `json:"reference"`
	Status    genuine.PaymentStatus `json:"status"`
	At        string                `json:"at"` // RFC 3339, whole seconds
	Amount    int64                 `json:"amount"`
	Currency  string                `json:"currency"`
	Account   string                `json:"account"`
}

// Sign returns the body of notification n and its Genuine-Signature
// header. The header's timestamp is n.At, to the second, so tests can
// forge stale or future deliveries as well as replay and reorder them.
func (p *Provider) Sign(n genuine.Notification) (body []byte, header string) {
	// Marshaling a struct of strings cannot fail.
	body, _ = json.Marshal(notification{
		ID:        n.ID,
		Reference: n.Reference,
		Status:    n.Status,
		At:        n.At.UTC().Format(time.RFC3339),
		Amount:    n.Amount,
		Currency:  n.Currency,
		Account:   n.Account,
	})
	t := strconv.FormatInt(n.At.Unix(), 10)
	return body, "t=" + t + ",v1=" + hex.EncodeToString(p.mac(t, body))
}

// mac returns HMAC-SHA256(secret, t + "." + body).
func (p *Provider) mac(t string, body []byte) []byte {
	m := hmac.New(sha256.New, p.secret)
	m.Write([]byte(t))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// ParseNotification verifies a notification's Genuine-Signature header
// against body and decodes body. It returns an *Error with EUnauthorized
// if the header is missing or malformed, no signature verifies, or the
// timestamp is more than Tolerance from now; and with EInvalid if the
// signed body is not a notification. Replayed notifications pass: the App
// recognises them by their ID.
func (p *Provider) ParseNotification(r *http.Request, body []byte) (*genuine.Notification, error) {
	var header string
	if r != nil {
		header = r.Header.Get(SignatureHeader)
	}
	if header == "" {
		return nil, genuine.Errorf(genuine.EUnauthorized, "notification has no %s header", SignatureHeader)
	}
	t, sigs, ok := parseSignature(header)
	if !ok {
		return nil, genuine.Errorf(genuine.EUnauthorized, "notification has a malformed %s header", SignatureHeader)
	}
	want := p.mac(t, body)
	verified := false
	for _, sig := range sigs {
		// Check every candidate, so the time taken does not say which matched.
		verified = hmac.Equal(sig, want) || verified
	}
	if !verified {
		return nil, genuine.Errorf(genuine.EUnauthorized, "notification signature does not verify")
	}
	// t is at most 18 digits, so neither this nor the comparisons overflow.
	sec, _ := strconv.ParseInt(t, 10, 64)
	now := p.now().Unix()
	if sec < now-int64(Tolerance/time.Second) || sec > now+int64(Tolerance/time.Second) {
		return nil, genuine.Errorf(genuine.EUnauthorized, "notification timestamp is more than %s from now", Tolerance)
	}
	return decodeNotification(body)
}

// parseSignature splits a Genuine-Signature header into its timestamp, as
// written, and its v1 signatures. It refuses a header without exactly one
// timestamp of 1 to 18 digits or without a v1 signature of 32 bytes.
func parseSignature(header string) (t string, sigs [][]byte, ok bool) {
	seen := false
	for part := range strings.SplitSeq(header, ",") {
		k, v, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found {
			return "", nil, false
		}
		switch k {
		case "t":
			if seen || !isDigits(v) || len(v) > 18 {
				return "", nil, false
			}
			t, seen = v, true
		case "v1":
			sig, err := hex.DecodeString(v)
			if err != nil || len(sig) != sha256.Size {
				return "", nil, false
			}
			sigs = append(sigs, sig)
		}
	}
	return t, sigs, seen && len(sigs) > 0
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// decodeNotification decodes a verified notification body.
func decodeNotification(body []byte) (*genuine.Notification, error) {
	var b notification
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, genuine.Errorf(genuine.EInvalid, "notification body is not valid JSON: %v", err)
	}
	at, err := time.Parse(time.RFC3339, b.At)
	switch {
	case b.ID == "":
		return nil, genuine.Errorf(genuine.EInvalid, "notification has no id")
	case b.Reference == "":
		return nil, genuine.Errorf(genuine.EInvalid, "notification has no reference")
	case !isStatus(b.Status):
		return nil, genuine.Errorf(genuine.EInvalid, "notification has an unknown status %q", b.Status)
	case err != nil:
		return nil, genuine.Errorf(genuine.EInvalid, "notification time %q is not RFC 3339", b.At)
	}
	return &genuine.Notification{
		ID: b.ID, Reference: b.Reference, Status: b.Status, At: at.UTC(),
		Amount: b.Amount, Currency: b.Currency, Account: b.Account,
	}, nil
}

func isStatus(s genuine.PaymentStatus) bool {
	switch s {
	case genuine.PaymentPending, genuine.PaymentPaid, genuine.PaymentFailed,
		genuine.PaymentCanceled, genuine.PaymentRefunded:
		return true
	}
	return false
}

// notify sends a new notification that a payment is now as st says, in
// the background. After Close it sends nothing: the App's reconciler finds
// the change by querying.
func (p *Provider) notify(reference string, st genuine.PaymentState) {
	n := genuine.Notification{
		ID:        "ntf_" + rand.Text()[:20],
		Reference: reference,
		Status:    st.Status,
		At:        p.now(),
		Amount:    st.Amount,
		Currency:  st.Currency,
		Account:   st.Account,
	}
	status := st.Status
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		p.log.Warn("simulated payment notification not sent: provider closed", "reference", reference, "status", status)
		return
	}
	p.sends.Add(1)
	go func() {
		defer p.sends.Done()
		p.deliver(n)
	}()
}

// deliver posts n until a 2xx or 4xx answer, retrying network errors and
// 5xx answers with doubling waits, at most maxAttempts times, and no more
// once the provider is closed.
func (p *Provider) deliver(n genuine.Notification) {
	wait := p.retryDelay
	for attempt := 1; ; attempt++ {
		retry, err := p.post(n)
		if err == nil {
			return
		}
		log := p.log.With("id", n.ID, "reference", n.Reference, "status", n.Status, "attempt", attempt, "err", err)
		if !retry {
			log.Error("simulated payment notification refused")
			return
		}
		if attempt == maxAttempts {
			log.Error("simulated payment notification not delivered; giving up")
			return
		}
		log.Warn("simulated payment notification not delivered; will retry", "in", wait)
		select {
		case <-p.done:
			return
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// post sends n once and reports whether a failure is worth retrying.
func (p *Provider) post(n genuine.Notification) (retry bool, err error) {
	body, header := p.Sign(n)
	// Close waits for this attempt, so bound it even if the client is not.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.baseURL+NotifyPath, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, header)
	resp, err := p.client.Do(req)
	if err != nil {
		return true, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return false, nil
	case resp.StatusCode >= 500:
		return true, fmt.Errorf("answer %s", resp.Status)
	}
	return false, fmt.Errorf("answer %s", resp.Status)
}

// Close stops retrying notifications and waits for the sends in flight to
// end. Pay and Decline after Close change the payment but notify no one.
func (p *Provider) Close() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.done)
	}
	p.mu.Unlock()
	p.sends.Wait()
}
