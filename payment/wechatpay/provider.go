package wechatpay

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/native"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"

	"genuine"
	"genuine/payment"
)

// Provider acts for one merchant's WeChat Pay account. Its methods are
// safe for concurrent use.
type Provider struct {
	acct      *account
	native    native.NativeApiService
	refunds   refunddomestic.RefundsApiService
	handler   *notify.Handler
	notifyURL string
}

var (
	_ genuine.Provider = (*Provider)(nil)
	_ genuine.Replier  = (*Provider)(nil)
)

func newProvider(a *account, client *core.Client, handler *notify.Handler, notifyURL string) *Provider {
	return &Provider{
		acct:      a,
		native:    native.NativeApiService{Client: client},
		refunds:   refunddomestic.RefundsApiService{Client: client},
		handler:   handler,
		notifyURL: notifyURL,
	}
}

// Name returns "wechatpay".
func (p *Provider) Name() string { return name }

// ReplyNotification answers a notification as WeChat Pay wants:
// {"code":"SUCCESS"} or {"code":"FAIL","message":…}.
func (p *Provider) ReplyNotification(err error) (contentType string, body []byte) {
	return reply(err)
}

// defaultLifetime is how long WeChat Pay keeps a Native payment payable
// when it is given no time_expire.
const defaultLifetime = 2 * time.Hour

// chinaTime is the zone WeChat Pay writes its times in.
var chinaTime = time.FixedZone("CST", 8*60*60)

// maxDescription is the most bytes WeChat Pay takes in a description.
const maxDescription = 127

// Create starts a Native payment with our checkout id as its out_trade_no
// (and Reference), and returns it with its code_url as what the till
// shows (QR and PayURL). It expires at r.ExpiresAt, to the second, or in
// two hours without one. Asked again for the same checkout, WeChat Pay
// gives the same code_url; if the payment was paid or closed meanwhile,
// Create returns it as it stands, with nothing to show. It returns an
// *Error with EInvalid for an amount or currency WeChat Pay does not take
// (CNY only), a checkout id that is not an out_trade_no (6 to 32 letters,
// digits, "_", "-", "|", "*") or an expiry in the past.
func (p *Provider) Create(ctx context.Context, r genuine.PaymentRequest) (*genuine.Payment, error) {
	total, err := payment.ToWeChat(r.Amount, r.Currency)
	if err != nil {
		return nil, err
	}
	if !isTradeNo(r.CheckoutID, 6, 32, "_-|*") {
		return nil, genuine.Errorf(genuine.EInvalid, "checkout id %.40q is not a WeChat Pay out_trade_no", r.CheckoutID)
	}
	now := time.Now()
	expires := r.ExpiresAt.Truncate(time.Second)
	if !r.ExpiresAt.IsZero() && !expires.After(now) {
		return nil, genuine.Errorf(genuine.EInvalid, "payment would expire at %s, before it starts", r.ExpiresAt.UTC().Format(time.RFC3339))
	}
	req := native.PrepayRequest{
		Appid:       core.String(p.acct.AppID),
		Mchid:       core.String(p.acct.MchID),
		Description: core.String(description(r)),
		OutTradeNo:  core.String(r.CheckoutID),
		NotifyUrl:   core.String(p.notifyURL),
		Amount:      &native.Amount{Total: core.Int64(total), Currency: core.String("CNY")},
	}
	if r.ExpiresAt.IsZero() {
		expires = now.Add(defaultLifetime).Truncate(time.Second)
	} else {
		req.TimeExpire = core.Time(expires.In(chinaTime))
	}
	pay := &genuine.Payment{
		Provider: name, Reference: r.CheckoutID, Status: genuine.PaymentPending,
		Amount: r.Amount, Currency: r.Currency, ExpiresAt: expires.UTC(), Account: p.acct.MchID,
	}
	resp, _, err := p.native.Prepay(ctx, req)
	if code := apiCode(err); code == "ORDERPAID" || code == "ORDER_CLOSED" {
		st, qerr := p.Query(ctx, r.CheckoutID)
		if qerr != nil {
			return nil, qerr
		}
		pay.Status, pay.Refunded = st.Status, st.Refunded
		return pay, nil
	} else if err != nil {
		return nil, mapError("start payment "+r.CheckoutID, err)
	}
	if resp.CodeUrl == nil || *resp.CodeUrl == "" {
		return nil, fmt.Errorf("WeChat Pay started payment %s without a code_url", r.CheckoutID)
	}
	pay.PayURL, pay.QR = *resp.CodeUrl, *resp.CodeUrl
	return pay, nil
}

// description is what the buyer reads of a payment, cut to what WeChat Pay
// takes.
func description(r genuine.PaymentRequest) string {
	d := r.Description
	if d == "" {
		d = "checkout " + r.CheckoutID
	}
	for len(d) > maxDescription {
		_, size := utf8.DecodeLastRuneInString(d)
		d = d[:len(d)-size]
	}
	return d
}

// Query asks WeChat Pay where a payment stands: NOTPAY and USERPAYING are
// pending, SUCCESS paid, REFUND paid with refunds (Refunded is 0: WeChat
// Pay's order query does not tell how much, and API v3 lists no order's
// refunds; the App keeps its own count), CLOSED and REVOKED canceled,
// PAYERROR failed. An unknown payment is an *Error with
// ENotFound.
func (p *Provider) Query(ctx context.Context, reference string) (genuine.PaymentState, error) {
	if !isTradeNo(reference, 1, 32, "_-|*") {
		return genuine.PaymentState{}, genuine.Errorf(genuine.ENotFound, "WeChat Pay payment %.40q not found", reference)
	}
	tx, _, err := p.native.QueryOrderByOutTradeNo(ctx, native.QueryOrderByOutTradeNoRequest{
		OutTradeNo: core.String(reference), Mchid: core.String(p.acct.MchID),
	})
	if err != nil {
		return genuine.PaymentState{}, mapError("query payment "+reference, err)
	}
	return p.state(reference, tx)
}

// state is where a payment WeChat Pay describes stands.
func (p *Provider) state(reference string, tx *payments.Transaction) (genuine.PaymentState, error) {
	st := genuine.PaymentState{Account: p.acct.MchID, Currency: "CNY"}
	if tx.Amount != nil && tx.Amount.Total != nil {
		currency := "CNY"
		if tx.Amount.Currency != nil && *tx.Amount.Currency != "" {
			currency = *tx.Amount.Currency
		}
		amount, err := payment.FromWeChat(*tx.Amount.Total, currency)
		if err != nil {
			return genuine.PaymentState{}, fmt.Errorf("WeChat Pay payment %s: %w", reference, err)
		}
		st.Amount, st.Currency = amount, currency
	}
	switch state := deref(tx.TradeState); state {
	case "NOTPAY", "USERPAYING":
		st.Status = genuine.PaymentPending
	case "SUCCESS":
		st.Status = genuine.PaymentPaid
	case "REFUND":
		st.Status = genuine.PaymentPaid
	case "CLOSED", "REVOKED":
		st.Status = genuine.PaymentCanceled
	case "PAYERROR":
		st.Status = genuine.PaymentFailed
	default:
		return genuine.PaymentState{}, fmt.Errorf("WeChat Pay payment %s has an unknown trade_state %.20q", reference, state)
	}
	return st, nil
}

// Cancel closes an unpaid payment at WeChat Pay; closing a closed one does
// nothing. A paid payment is an *Error with EConflict, an unknown one
// ENotFound. Any other refusal, whatever its code, is a plain error, to be
// tried again, unless a query then says the payment was paid or is closed:
// EConflict for a payment that was not closed and may still be paid would
// have the App ask, hear pending, and release the units of a payment that
// can still land.
func (p *Provider) Cancel(ctx context.Context, reference string) error {
	if !isTradeNo(reference, 1, 32, "_-|*") {
		return genuine.Errorf(genuine.ENotFound, "WeChat Pay payment %.40q not found", reference)
	}
	_, err := p.native.CloseOrder(ctx, native.CloseOrderRequest{
		OutTradeNo: core.String(reference), Mchid: core.String(p.acct.MchID),
	})
	var apiErr *core.APIError
	if err == nil || !errors.As(err, &apiErr) || apiErr.Code == "ORDERPAID" || apiErr.Code == "ORDER_NOT_EXIST" || apiErr.StatusCode >= 500 {
		return mapError("close payment "+reference, err)
	}
	// An answer that does not say why: ask where the payment stands.
	st, qerr := p.Query(ctx, reference)
	switch {
	case qerr != nil:
		return mapError("close payment "+reference, err)
	case st.Status == genuine.PaymentPaid || st.Status == genuine.PaymentRefunded:
		return genuine.Errorf(genuine.EConflict, "WeChat Pay payment %s was paid", reference)
	case st.Status == genuine.PaymentCanceled:
		return nil
	}
	return fmt.Errorf("close payment %s at WeChat Pay: refused (%d %s) while it is %s", reference, apiErr.StatusCode, apiErr.Code, st.Status)
}

// Refund refunds r.Amount of a paid payment, with r.IdempotencyKey as its
// out_refund_no, so that the same key again refunds nothing more. It
// returns nil once WeChat Pay took the refund, SUCCESS or PROCESSING: the
// money is then on its way back to the buyer. WeChat Pay wants the
// payment's whole amount told again: r.PaymentAmount, or, if 0, the
// amount a query gives. It returns an *Error with EInvalid for a currency
// other than CNY or a key that is not an out_refund_no (1 to 64 letters,
// digits, "_", "-", "|", "*", "@"), EConflict for a payment not paid or
// with less than r.Amount left (or a refund WeChat Pay closed), ENotFound
// for an unknown one.
func (p *Provider) Refund(ctx context.Context, r genuine.RefundRequest) error {
	amount, err := payment.ToWeChat(r.Amount, r.Currency)
	if err != nil {
		return err
	}
	if !isTradeNo(r.IdempotencyKey, 1, 64, "_-|*@") {
		return genuine.Errorf(genuine.EInvalid, "refund key %.70q is not a WeChat Pay out_refund_no", r.IdempotencyKey)
	}
	if !isTradeNo(r.Reference, 1, 32, "_-|*") {
		return genuine.Errorf(genuine.ENotFound, "WeChat Pay payment %.40q not found", r.Reference)
	}
	total, err := payment.ToWeChat(r.PaymentAmount, r.Currency)
	if r.PaymentAmount == 0 {
		st, qerr := p.Query(ctx, r.Reference)
		if qerr != nil {
			return qerr
		}
		total, err = payment.ToWeChat(st.Amount, st.Currency)
	}
	if err != nil {
		return err
	}
	resp, _, err := p.refunds.Create(ctx, refunddomestic.CreateRequest{
		OutTradeNo:  core.String(r.Reference),
		OutRefundNo: core.String(r.IdempotencyKey),
		Amount: &refunddomestic.AmountReq{
			Refund: core.Int64(amount), Total: core.Int64(total), Currency: core.String("CNY"),
		},
	})
	if err != nil {
		return mapError("refund payment "+r.Reference, err)
	}
	switch status := deref((*string)(resp.Status)); status {
	case "SUCCESS", "PROCESSING":
		return nil
	case "CLOSED":
		return genuine.Errorf(genuine.EConflict, "WeChat Pay closed refund %s of payment %s", r.IdempotencyKey, r.Reference)
	default:
		return fmt.Errorf("WeChat Pay refund %s of payment %s is %.20q: the merchant must see to it", r.IdempotencyKey, r.Reference, status)
	}
}

// mapError turns an error of the SDK into genuine's: WeChat Pay's "no such
// payment" is ENotFound, "already paid" and a refund beyond what is left
// EConflict, a malformed request EInvalid; a network error, an answer that
// does not verify, a 5xx or a refusal of our credentials stays a plain
// error, for the App to retry.
func mapError(op string, err error) error {
	if err == nil {
		return nil
	}
	var apiErr *core.APIError
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("%s at WeChat Pay: %w", op, err)
	}
	msg := fmt.Sprintf("%s: WeChat Pay answered %d %s: %.200s", op, apiErr.StatusCode, apiErr.Code, apiErr.Message)
	switch {
	case apiErr.StatusCode >= 500 || apiErr.StatusCode == http.StatusTooManyRequests:
		return &answerError{msg, apiErr}
	case apiErr.Code == "ORDER_NOT_EXIST" || apiErr.Code == "RESOURCE_NOT_EXISTS":
		return genuine.Errorf(genuine.ENotFound, "%s", msg)
	case apiErr.Code == "ORDERPAID" || apiErr.Code == "ORDER_CLOSED" || apiErr.Code == "OUT_TRADE_NO_USED" || apiErr.Code == "INVALID_REQUEST":
		return genuine.Errorf(genuine.EConflict, "%s", msg)
	case apiErr.Code == "PARAM_ERROR":
		return genuine.Errorf(genuine.EInvalid, "%s", msg)
	}
	return &answerError{msg, apiErr}
}

// answerError is an error answer of WeChat Pay that is none of genuine's
// codes: its message is short, and it unwraps to the SDK's *core.APIError.
type answerError struct {
	msg string
	err *core.APIError
}

func (e *answerError) Error() string { return e.msg }
func (e *answerError) Unwrap() error { return e.err }

// apiCode is WeChat Pay's code of an error answer, or "".
func apiCode(err error) string {
	var apiErr *core.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code
	}
	return ""
}

// isTradeNo reports whether s is min to max letters, digits or characters
// of extra, as WeChat Pay's out_trade_no and out_refund_no are.
func isTradeNo(s string, min, max int, extra string) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !alnum(s[i]) && !containsByte(extra, s[i]) {
			return false
		}
	}
	return true
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
