package wechatpay

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"genuine"
	"genuine/payment"
)

// eventPaid is the event type of the notification that a payment was paid.
const eventPaid = "TRANSACTION.SUCCESS"

// transaction is the decrypted resource of a TRANSACTION.SUCCESS
// notification, as much of it as the App reads.
type transaction struct {
	MchID         string `json:"mchid"`
	AppID         string `json:"appid"`
	OutTradeNo    string `json:"out_trade_no"`
	TransactionID string `json:"transaction_id"`
	TradeState    string `json:"trade_state"`
	SuccessTime   string `json:"success_time"`
	Amount        struct {
		Total    *int64 `json:"total"`
		Currency string `json:"currency"`
	} `json:"amount"`
}

// ParseNotification verifies a WeChat Pay notification with the SDK's
// notify package and decodes it. Its Wechatpay-Signature must verify under
// this account's WeChat Pay public key, named by Wechatpay-Serial, over
// "timestamp\nnonce\nbody\n"; its Wechatpay-Timestamp must be within 5
// minutes of now; and its resource must decrypt (AEAD_AES_256_GCM) under
// this account's APIv3 key. Otherwise it is an *Error with EUnauthorized.
// A verified TRANSACTION.SUCCESS is a paid Notification: its ID WeChat
// Pay's notification id (the same when sent again), its Reference and
// CheckoutID the out_trade_no, its Account this account's mchid, which the
// resource must name (one naming another mchid is EUnauthorized: the keys
// that verify it are the ones the merchant gave, which may be its own, so
// its word on whose payment it is counts only for its own account), its
// amount the resource's. Other verified events are nil, nil; a
// TRANSACTION.SUCCESS whose resource does not say what it must is an
// *Error with EInvalid.
func (p *Provider) ParseNotification(r *http.Request, body []byte) (n *genuine.Notification, err error) {
	defer func() {
		// The SDK dereferences the resource of a verified body without
		// checking that it has one.
		if recover() != nil {
			n, err = nil, genuine.Errorf(genuine.EInvalid, "WeChat Pay notification has no resource")
		}
	}()
	if r == nil {
		return nil, genuine.Errorf(genuine.EUnauthorized, "WeChat Pay notification has no headers")
	}
	ctx := r.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	// The SDK reads the body from a request: give it one of its own, so
	// that r and its body stay as they were.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "/", bytes.NewReader(body))
	if err != nil {
		return nil, genuine.Errorf(genuine.EUnauthorized, "WeChat Pay notification cannot be read")
	}
	req.Header = r.Header.Clone()
	req.Body = io.NopCloser(bytes.NewReader(body))
	var resource json.RawMessage
	notice, err := p.handler.ParseNotifyRequest(ctx, req, &resource)
	if err != nil {
		// The SDK's error quotes the whole request: say only what failed.
		return nil, genuine.Errorf(genuine.EUnauthorized, "WeChat Pay notification does not verify: its signature, timestamp or resource is not WeChat Pay's for merchant %s", p.acct.MchID)
	}
	if notice.EventType != eventPaid {
		return nil, nil
	}
	var tx transaction
	if err := json.Unmarshal(resource, &tx); err != nil {
		return nil, genuine.Errorf(genuine.EInvalid, "WeChat Pay notification %.64q: its resource is not a transaction", notice.ID)
	}
	switch {
	case notice.ID == "":
		return nil, genuine.Errorf(genuine.EInvalid, "WeChat Pay notification has no id")
	case tx.TradeState != "SUCCESS":
		return nil, genuine.Errorf(genuine.EInvalid, "WeChat Pay notification %.64q of %s has trade_state %.20q", notice.ID, eventPaid, tx.TradeState)
	case tx.OutTradeNo == "" || tx.MchID == "" || tx.Amount.Total == nil:
		return nil, genuine.Errorf(genuine.EInvalid, "WeChat Pay notification %.64q lacks out_trade_no, mchid or amount", notice.ID)
	}
	if tx.MchID != p.acct.MchID {
		return nil, genuine.Errorf(genuine.EUnauthorized, "WeChat Pay notification %.64q of mchid %.32q verified with the keys of mchid %s", notice.ID, tx.MchID, p.acct.MchID)
	}
	amount, err := payment.FromWeChat(*tx.Amount.Total, tx.Amount.Currency)
	if err != nil {
		return nil, err
	}
	at := time.Now()
	if notice.CreateTime != nil {
		at = *notice.CreateTime
	}
	return &genuine.Notification{
		ID: notice.ID, Reference: tx.OutTradeNo, CheckoutID: tx.OutTradeNo, Status: genuine.PaymentPaid,
		At: at.UTC(), Amount: amount, Currency: tx.Amount.Currency, Account: p.acct.MchID,
	}, nil
}
