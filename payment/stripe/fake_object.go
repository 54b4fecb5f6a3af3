package stripe

// The JSON objects the Fake answers and sends, shaped as Stripe's, with
// the members the SDK and the Provider read.

// sessionJSON is a Checkout Session object.
type sessionJSON struct {
	ID                string            `json:"id"`
	Object            string            `json:"object"`
	AmountSubtotal    int64             `json:"amount_subtotal"`
	AmountTotal       int64             `json:"amount_total"`
	CancelURL         *string           `json:"cancel_url"`
	ClientReferenceID *string           `json:"client_reference_id"`
	Created           int64             `json:"created"`
	Currency          string            `json:"currency"`
	ExpiresAt         int64             `json:"expires_at"`
	Livemode          bool              `json:"livemode"`
	Metadata          map[string]string `json:"metadata"`
	Mode              string            `json:"mode"`
	PaymentIntent     any               `json:"payment_intent"` // null, an id, or an intentJSON
	PaymentStatus     string            `json:"payment_status"`
	Status            string            `json:"status"`
	SuccessURL        *string           `json:"success_url"`
	UIMode            string            `json:"ui_mode"`
	URL               *string           `json:"url"`
}

// intentJSON is a PaymentIntent object.
type intentJSON struct {
	ID               string   `json:"id"`
	Object           string   `json:"object"`
	Amount           int64    `json:"amount"`
	AmountReceived   int64    `json:"amount_received"`
	Created          int64    `json:"created"`
	Currency         string   `json:"currency"`
	LastPaymentError *errJSON `json:"last_payment_error"`
	LatestCharge     any      `json:"latest_charge"` // an id or a chargeJSON
	Livemode         bool     `json:"livemode"`
	Status           string   `json:"status"`
	Metadata         struct{} `json:"metadata"`
	PaymentMethodTy  []string `json:"payment_method_types"`
}

// errJSON is a payment's last error.
type errJSON struct {
	Type string `json:"type"`
	Code string `json:"code"`
	Msg  string `json:"message"`
}

// chargeJSON is a Charge object.
type chargeJSON struct {
	ID             string `json:"id"`
	Object         string `json:"object"`
	Amount         int64  `json:"amount"`
	AmountCaptured int64  `json:"amount_captured"`
	AmountRefunded int64  `json:"amount_refunded"`
	Created        int64  `json:"created"`
	Currency       string `json:"currency"`
	Livemode       bool   `json:"livemode"`
	Paid           bool   `json:"paid"`
	PaymentIntent  string `json:"payment_intent"`
	Refunded       bool   `json:"refunded"`
	Status         string `json:"status"`
}

// refundJSON is a Refund object.
type refundJSON struct {
	ID            string            `json:"id"`
	Object        string            `json:"object"`
	Amount        int64             `json:"amount"`
	Charge        string            `json:"charge"`
	Created       int64             `json:"created"`
	Currency      string            `json:"currency"`
	Metadata      map[string]string `json:"metadata"`
	PaymentIntent string            `json:"payment_intent"`
	Status        string            `json:"status"`
}

// refundList is a list of refunds, a page of it.
type refundList struct {
	Object  string       `json:"object"`
	Data    []refundJSON `json:"data"`
	HasMore bool         `json:"has_more"`
	URL     string       `json:"url"`
}

// eventJSON is an Event object as a webhook endpoint receives it.
type eventJSON struct {
	ID              string    `json:"id"`
	Object          string    `json:"object"`
	Account         string    `json:"account,omitempty"`
	APIVersion      string    `json:"api_version"`
	Created         int64     `json:"created"`
	Data            eventData `json:"data"`
	Livemode        bool      `json:"livemode"`
	PendingWebhooks int64     `json:"pending_webhooks"`
	Request         struct {
		ID             *string `json:"id"`
		IdempotencyKey *string `json:"idempotency_key"`
	} `json:"request"`
	Type string `json:"type"`
}

type eventData struct {
	Object sessionJSON `json:"object"`
}

// sessionObject returns a session as Stripe shows it, its payment intent
// expanded, and the intent's latest charge, if asked.
func sessionObject(s *fakeSession, intent, charge bool) sessionJSON {
	o := sessionJSON{
		ID: s.id, Object: "checkout.session", AmountSubtotal: s.amount, AmountTotal: s.amount,
		Created: s.created, Currency: s.currency, ExpiresAt: s.expiresAt, Metadata: s.metadata,
		Mode: "payment", PaymentStatus: s.paymentStatus, Status: s.status, UIMode: "hosted",
	}
	if s.clientReferenceID != "" {
		o.ClientReferenceID = &s.clientReferenceID
	}
	if s.status == "open" {
		o.URL = &s.payURL
	}
	in := s.intent
	switch {
	case in == nil:
	case !intent:
		o.PaymentIntent = in.id
	default:
		pi := intentJSON{
			ID: in.id, Object: "payment_intent", Amount: s.amount, Created: in.created, Currency: s.currency,
			LatestCharge: in.chargeID, Status: in.status, PaymentMethodTy: []string{"card"},
		}
		if in.status == "succeeded" {
			pi.AmountReceived = s.amount
		}
		if in.failed {
			pi.PaymentMethodTy = []string{"sepa_debit"}
			pi.LastPaymentError = &errJSON{Type: "invalid_request_error", Code: "payment_method_unactivated", Msg: "The bank debit failed."}
		}
		if charge && in.status == "succeeded" {
			pi.LatestCharge = chargeJSON{
				ID: in.chargeID, Object: "charge", Amount: s.amount, AmountCaptured: s.amount, AmountRefunded: in.amountRefunded,
				Created: in.created, Currency: s.currency, Paid: true, PaymentIntent: in.id,
				Refunded: in.amountRefunded == s.amount, Status: "succeeded",
			}
		}
		o.PaymentIntent = pi
	}
	return o
}

// refundObject returns a refund as Stripe shows it.
func refundObject(r *fakeRefund) refundJSON {
	return refundJSON{
		ID: r.id, Object: "refund", Amount: r.amount, Charge: r.charge, Created: r.created, Currency: r.currency,
		Metadata: r.metadata, PaymentIntent: r.intent, Status: "succeeded",
	}
}
