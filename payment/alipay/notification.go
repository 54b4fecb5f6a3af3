package alipay

import (
	"context"
	"net/http"
	"net/url"
	"time"

	alipaysdk "github.com/smartwalle/alipay/v3"

	"genuine"
	"genuine/payment"
)

// NotificationMaxAge is how long after its notify_time a notification is
// accepted: longer than Alipay goes on sending one it has no "success" for
// (about 25 hours), and far shorter than the App remembers notification
// ids for.
const NotificationMaxAge = 48 * time.Hour

// NotificationMaxSkew is how far ahead of now a notification's notify_time
// may be.
const NotificationMaxSkew = 15 * time.Minute

// ParseNotification verifies an Alipay asynchronous notification, a
// form-encoded body, and decodes it. It returns an *Error with
// EUnauthorized if the body is not a form, has a parameter twice, is not
// signed RSA2, or its signature does not verify with Alipay's public key
// for the app (through the SDK), or if its notify_time is missing, more
// than NotificationMaxAge old or more than NotificationMaxSkew ahead.
// Of a verified notification: trade_status TRADE_SUCCESS or TRADE_FINISHED
// is paid, TRADE_CLOSED canceled, or refunded if its refund_fee is all of
// its total_amount; WAIT_BUYER_PAY, a partial refund's notice (a
// TRADE_SUCCESS with refund_fee) and another notify_type are nil, nil: the
// App acts on none. ID is notify_id, which Alipay keeps when it sends a
// notification again; Reference and CheckoutID are out_trade_no; Account
// is app_id, which must be this Provider's app: one that names another app
// is an *Error with EUnauthorized, since the key that verifies it is the
// one the merchant gave, which the merchant may hold itself. Amount is
// total_amount in fen of CNY. A
// verified notification without them is an *Error with EInvalid.
func (p *Provider) ParseNotification(r *http.Request, body []byte) (*genuine.Notification, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, genuine.Errorf(genuine.EUnauthorized, "Alipay notification is not a form")
	}
	for k, v := range form {
		if len(v) != 1 {
			return nil, genuine.Errorf(genuine.EUnauthorized, "Alipay notification has %.40q %d times", k, len(v))
		}
	}
	if form.Get("sign") == "" || form.Get("sign_type") != "RSA2" {
		return nil, genuine.Errorf(genuine.EUnauthorized, "Alipay notification is not signed RSA2")
	}
	// In public-key mode no certificate is named, and the SDK would fetch
	// a named one from Alipay; the signature does not cover it.
	form.Del("alipay_cert_sn")
	ctx := context.Background()
	if r != nil {
		ctx = r.Context()
	}
	n, err := p.client.DecodeNotification(ctx, form)
	if err != nil {
		return nil, genuine.Errorf(genuine.EUnauthorized, "Alipay notification signature does not verify with app %s's Alipay public key", p.account)
	}
	at, err := time.ParseInLocation(timeLayout, n.NotifyTime, beijing)
	if err != nil {
		return nil, genuine.Errorf(genuine.EUnauthorized, "Alipay notification has no notify_time")
	}
	if now := p.now(); at.Before(now.Add(-NotificationMaxAge)) || at.After(now.Add(NotificationMaxSkew)) {
		return nil, genuine.Errorf(genuine.EUnauthorized, "Alipay notification of %s is stale or from the future", at.UTC().Format(time.RFC3339))
	}
	if n.AppId != p.account {
		return nil, genuine.Errorf(genuine.EUnauthorized, "Alipay notification of app %.20q verified with app %s's Alipay public key", n.AppId, p.account)
	}
	return decodeNotification(n, at.UTC())
}

// decodeNotification reads a verified notification sent at at.
func decodeNotification(n *alipaysdk.Notification, at time.Time) (*genuine.Notification, error) {
	if n.NotifyType != alipaysdk.NotifyTypeTradeStatusSync {
		return nil, nil
	}
	switch {
	case n.NotifyId == "":
		return nil, genuine.Errorf(genuine.EInvalid, "Alipay notification has no notify_id")
	case !isOutNo(n.OutTradeNo):
		return nil, genuine.Errorf(genuine.EInvalid, "Alipay notification has no out_trade_no")
	case n.AppId == "":
		return nil, genuine.Errorf(genuine.EInvalid, "Alipay notification has no app_id")
	}
	amount, err := payment.FromAlipay(n.TotalAmount)
	if err != nil {
		return nil, err
	}
	var refunded int64
	if n.RefundFee != "" {
		if refunded, err = payment.FromAlipay(n.RefundFee); err != nil {
			return nil, err
		}
	}
	out := &genuine.Notification{
		ID: n.NotifyId, Reference: n.OutTradeNo, CheckoutID: n.OutTradeNo, At: at,
		Amount: amount, Currency: "CNY", Account: n.AppId,
	}
	switch n.TradeStatus {
	case alipaysdk.TradeStatusSuccess, alipaysdk.TradeStatusFinished:
		if refunded > 0 {
			return nil, nil // a partial refund's notice: the App made it
		}
		out.Status = genuine.PaymentPaid
	case alipaysdk.TradeStatusClosed:
		out.Status = genuine.PaymentCanceled
		if refunded == amount {
			out.Status = genuine.PaymentRefunded
		}
	case alipaysdk.TradeStatusWaitBuyerPay:
		return nil, nil
	default:
		return nil, genuine.Errorf(genuine.EInvalid, "Alipay notification has an unknown trade_status %.40q", n.TradeStatus)
	}
	return out, nil
}
