package alipay

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	alipaysdk "github.com/smartwalle/alipay/v3"

	"genuine"
	"genuine/payment"
)

// defaultLifetime is how long a payment stays payable when the request
// does not say.
const defaultLifetime = 15 * time.Minute

// productCode is the product of 当面付 (face-to-face payment).
const productCode = "FACE_TO_FACE_PAYMENT"

// Alipay's sub_codes that the Provider acts on.
const (
	subTradeNotExist      = "ACQ.TRADE_NOT_EXIST"
	subTradeStatusError   = "ACQ.TRADE_STATUS_ERROR"
	subTradeHasSuccess    = "ACQ.TRADE_HAS_SUCCESS"
	subTradeHasClose      = "ACQ.TRADE_HAS_CLOSE"
	subTradeHasFinished   = "ACQ.TRADE_HAS_FINISHED"
	subContextInconsist   = "ACQ.CONTEXT_INCONSISTENT"
	subRefundAmountExceed = "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"
	subDiscordantRepeat   = "ACQ.DISCORDANT_REPEAT_REQUEST"
	subNotAllowRefund     = "ACQ.TRADE_NOT_ALLOW_REFUND"
)

// Provider acts for one merchant's Alipay app. Its methods are safe for
// concurrent use. A payment's Reference is its out_trade_no, which is the
// checkout's id.
type Provider struct {
	client    *alipaysdk.Client
	account   string // the app id
	sellerID  string
	notifyURL string
	now       func() time.Time
}

var (
	_ genuine.Provider = (*Provider)(nil)
	_ genuine.Replier  = (*Provider)(nil)
)

// Name returns "alipay".
func (p *Provider) Name() string { return name }

// Create precreates a trade for r (alipay.trade.precreate) whose
// out_trade_no is r.CheckoutID, and returns its payment: PayURL and QR are
// the qr_code the buyer scans. Asked again for the same checkout and
// amount, Alipay answers the same qr_code and makes no second trade; if
// that trade was paid or closed meanwhile, the payment says so, with no
// qr_code. It returns an *Error with EInvalid for an amount Alipay does
// not take (CNY only), a checkout id that is not an out_trade_no, or an
// expiry in the past; EConflict if the checkout's trade at Alipay has
// another amount or subject. Without r.ExpiresAt the payment expires in 15
// minutes.
func (p *Provider) Create(ctx context.Context, r genuine.PaymentRequest) (*genuine.Payment, error) {
	amount, err := payment.ToAlipay(r.Amount, r.Currency)
	if err != nil {
		return nil, err
	}
	if !isOutNo(r.CheckoutID) {
		return nil, genuine.Errorf(genuine.EInvalid, "checkout id %.80q is not an Alipay out_trade_no (1 to 64 letters, digits and _)", r.CheckoutID)
	}
	now := p.now()
	expires := r.ExpiresAt
	if expires.IsZero() {
		expires = now.Add(defaultLifetime)
	}
	if !expires.After(now) {
		return nil, genuine.Errorf(genuine.EInvalid, "payment would expire at %s, before it starts", expires.UTC().Format(time.RFC3339))
	}
	param := alipaysdk.TradePreCreate{Trade: alipaysdk.Trade{
		NotifyURL:   p.notifyURL,
		Subject:     subject(r),
		OutTradeNo:  r.CheckoutID,
		TotalAmount: amount,
		ProductCode: productCode,
		SellerId:    p.sellerID,
		TimeExpire:  expires.In(beijing).Format(timeLayout),
	}}
	rsp, err := p.client.TradePreCreate(ctx, param)
	if rsp == nil {
		rsp = new(alipaysdk.TradePreCreateRsp)
	}
	ae, err := answer("precreate", err, rsp.Error)
	if err != nil {
		return nil, err
	}
	pay := &genuine.Payment{
		Provider: name, Reference: r.CheckoutID, Status: genuine.PaymentPending,
		Amount: r.Amount, Currency: r.Currency, ExpiresAt: expires.UTC(), Account: p.account,
	}
	switch {
	case ae == nil:
		pay.PayURL, pay.QR = rsp.QRCode, rsp.QRCode
		return pay, nil
	case ae.SubCode == subTradeHasSuccess:
		pay.Status = genuine.PaymentPaid
		return pay, nil
	case ae.SubCode == subTradeHasClose:
		pay.Status = genuine.PaymentCanceled
		return pay, nil
	case ae.SubCode == subContextInconsist:
		return nil, refused(genuine.EConflict, "precreate", r.CheckoutID, ae)
	}
	return nil, failed("precreate", r.CheckoutID, ae)
}

// subject is the title of a payment, as Alipay takes it: at most 256
// characters, without "/", "=" or "&".
func subject(r genuine.PaymentRequest) string {
	s := r.Description
	if strings.TrimSpace(s) == "" {
		s = "checkout " + r.CheckoutID
	}
	s = strings.Map(func(c rune) rune {
		if c == '/' || c == '=' || c == '&' || c < ' ' {
			return ' '
		}
		return c
	}, s)
	if rs := []rune(s); len(rs) > 256 {
		s = string(rs[:256])
	}
	return s
}

// Query asks Alipay where a payment stands (alipay.trade.query):
// WAIT_BUYER_PAY is pending, TRADE_SUCCESS and TRADE_FINISHED paid,
// TRADE_CLOSED canceled, or refunded if it was paid (Alipay closes a paid
// trade once all of it is refunded). A trade nobody has scanned yet does
// not exist at Alipay (ACQ.TRADE_NOT_EXIST): it is pending, with no amount,
// since Alipay cannot tell it from one never started. Alipay's query does
// not tell how much of a paid trade was refunded, so Refunded is all of it
// for a refunded payment and 0 otherwise.
func (p *Provider) Query(ctx context.Context, reference string) (genuine.PaymentState, error) {
	if !isOutNo(reference) {
		return genuine.PaymentState{}, genuine.Errorf(genuine.ENotFound, "Alipay payment %.80q not found", reference)
	}
	rsp, err := p.client.TradeQuery(ctx, alipaysdk.TradeQuery{OutTradeNo: reference})
	if rsp == nil {
		rsp = new(alipaysdk.TradeQueryRsp)
	}
	ae, err := answer("query", err, rsp.Error)
	switch {
	case err != nil:
		return genuine.PaymentState{}, err
	case ae != nil && ae.SubCode == subTradeNotExist:
		return genuine.PaymentState{Status: genuine.PaymentPending, Currency: "CNY", Account: p.account}, nil
	case ae != nil:
		return genuine.PaymentState{}, failed("query", reference, ae)
	}
	amount, err := payment.FromAlipay(rsp.TotalAmount)
	if err != nil {
		return genuine.PaymentState{}, fmt.Errorf("alipay query %s: %w", reference, err)
	}
	st := genuine.PaymentState{Amount: amount, Currency: "CNY", Account: p.account}
	if rsp.TransCurrency != "" {
		st.Currency = rsp.TransCurrency
	}
	switch rsp.TradeStatus {
	case alipaysdk.TradeStatusWaitBuyerPay:
		st.Status = genuine.PaymentPending
	case alipaysdk.TradeStatusSuccess, alipaysdk.TradeStatusFinished:
		st.Status = genuine.PaymentPaid
	case alipaysdk.TradeStatusClosed:
		st.Status = genuine.PaymentCanceled
		if rsp.SendPayDate != "" {
			st.Status, st.Refunded = genuine.PaymentRefunded, amount
		}
	default:
		return genuine.PaymentState{}, fmt.Errorf("alipay query %s: unknown trade_status %.40q", reference, rsp.TradeStatus)
	}
	return st, nil
}

// Cancel closes an unpaid payment (alipay.trade.close), so that it can no
// longer be paid. A precreated trade nobody has scanned does not exist at
// Alipay yet, so there is nothing to close: Cancel answers nil, and the
// QR code stays payable until the trade's expiry (the checkout's
// deadline), after which Alipay takes no payment for it; a buyer who pays
// it before then has paid a checkout whose units are released, and the App
// refunds that late payment. Cancel never uses alipay.trade.cancel, which
// refunds a trade that was paid meanwhile: a buyer paying as the till
// cancels would then be refunded for units the App may already have sold.
// Canceling a closed payment does nothing. A paid or refunded payment
// gives an *Error with EConflict, and nothing is refunded. Any other
// refusal is a plain error, to be tried again.
func (p *Provider) Cancel(ctx context.Context, reference string) error {
	if !isOutNo(reference) {
		return genuine.Errorf(genuine.ENotFound, "Alipay payment %.80q not found", reference)
	}
	rsp, err := p.client.TradeClose(ctx, alipaysdk.TradeClose{OutTradeNo: reference})
	if rsp == nil {
		rsp = new(alipaysdk.TradeCloseRsp)
	}
	ae, err := answer("close", err, rsp.Error)
	switch {
	case err != nil:
		return err
	case ae == nil:
		return nil
	case ae.SubCode == subTradeNotExist:
		return nil
	case ae.SubCode == subTradeStatusError:
		// Closed already, or paid: only a query tells which.
		st, err := p.Query(ctx, reference)
		if err != nil {
			return err
		}
		switch st.Status {
		case genuine.PaymentCanceled:
			return nil
		case genuine.PaymentPaid, genuine.PaymentRefunded:
			return genuine.Errorf(genuine.EConflict, "Alipay payment %s was paid", reference)
		}
		// Pending, yet not closed: not EConflict, which would have the App
		// release the units of a payment that can still be paid.
		return fmt.Errorf("alipay close %s: refused (%s) while the trade is %s", reference, ae.SubCode, st.Status)
	}
	// Only EConflict says paid; any other refusal is tried again.
	return plain("close", reference, ae)
}

// Refund refunds r.Amount of a paid payment (alipay.trade.refund) with
// r.IdempotencyKey as its out_request_no: Alipay refunds once per
// out_request_no, and the same again answers that no money moved, which is
// nil. It returns an *Error with EInvalid for a missing key or an amount
// Alipay does not take (CNY only); ENotFound if Alipay has no such trade;
// EConflict if the payment is not paid (or no longer refundable), less
// than r.Amount of it is left, or the key was used for another amount.
func (p *Provider) Refund(ctx context.Context, r genuine.RefundRequest) error {
	if !isRequestNo(r.IdempotencyKey) {
		return genuine.Errorf(genuine.EInvalid, "refund idempotency key %.80q is not an Alipay out_request_no (1 to 64 characters)", r.IdempotencyKey)
	}
	amount, err := payment.ToAlipay(r.Amount, r.Currency)
	if err != nil {
		return err
	}
	if !isOutNo(r.Reference) {
		return genuine.Errorf(genuine.ENotFound, "Alipay payment %.80q not found", r.Reference)
	}
	rsp, err := p.client.TradeRefund(ctx, alipaysdk.TradeRefund{
		OutTradeNo: r.Reference, RefundAmount: amount, OutRequestNo: r.IdempotencyKey,
	})
	if rsp == nil {
		rsp = new(alipaysdk.TradeRefundRsp)
	}
	ae, err := answer("refund", err, rsp.Error)
	switch {
	case err != nil:
		return err
	case ae == nil:
		return nil
	}
	switch ae.SubCode {
	case subTradeNotExist:
		return refused(genuine.ENotFound, "refund", r.Reference, ae)
	case subTradeStatusError, subTradeHasFinished, subNotAllowRefund, subRefundAmountExceed, subDiscordantRepeat:
		return refused(genuine.EConflict, "refund", r.Reference, ae)
	}
	return failed("refund", r.Reference, ae)
}

// ReplyNotification returns what Alipay wants in answer to a notification:
// the plain text "success" once it is applied, "fail" otherwise.
func (p *Provider) ReplyNotification(err error) (contentType string, body []byte) {
	return reply(err)
}

// answer sorts out the outcome of an SDK call from its error and its
// answer's error part e: err if the call got no answer whose signature
// verified (wrapped: the App tries again later), or else Alipay's error if
// it refused, or nil if it did what was asked.
func answer(op string, err error, e alipaysdk.Error) (*alipaysdk.Error, error) {
	var ae *alipaysdk.Error
	switch {
	case errors.As(err, &ae):
		// An answer without a signature: Alipay refusing the request itself.
		return ae, nil
	case err != nil:
		return nil, fmt.Errorf("alipay %s: %w", op, err)
	case e.Code == "":
		return nil, fmt.Errorf("alipay %s: an answer without a code", op)
	case e.IsFailure():
		return &e, nil
	}
	return nil, nil
}

// refused returns an *Error with code for Alipay's refusal ae.
func refused(code, op, reference string, ae *alipaysdk.Error) error {
	return genuine.Errorf(code, "Alipay refused to %s payment %s: %.200s (%.60s)", op, reference, ae.SubMsg, ae.SubCode)
}

// failed returns the error of a refusal ae that the methods do not expect:
// EInvalid for a request Alipay finds malformed, EConflict for another
// business refusal, and a plain error, which the App tries again later,
// for Alipay being unavailable, limiting calls, or refusing the app's
// signature or permission (which its merchant can mend).
func failed(op, reference string, ae *alipaysdk.Error) error {
	switch {
	case ae.Code == alipaysdk.CodeBusinessFailed && ae.SubCode != "ACQ.SYSTEM_ERROR":
		return refused(genuine.EConflict, op, reference, ae)
	case (ae.Code == alipaysdk.CodeMissingParam || ae.Code == alipaysdk.CodeInvalidParam) &&
		!strings.HasPrefix(ae.SubCode, "isv.invalid-signature") && ae.SubCode != "isv.invalid-app-id":
		return refused(genuine.EInvalid, op, reference, ae)
	}
	return plain(op, reference, ae)
}

// plain returns Alipay's refusal ae as a plain error, which the App tries
// again later.
func plain(op, reference string, ae *alipaysdk.Error) error {
	return fmt.Errorf("alipay %s %s: %s %s: %s (%s)", op, reference, ae.Code, ae.Msg, ae.SubMsg, ae.SubCode)
}

// isOutNo reports whether s is an out_trade_no as Alipay takes it: 1 to 64
// letters, digits and underscores.
func isOutNo(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// isRequestNo reports whether s is an out_request_no as Alipay takes it: 1
// to 64 printable ASCII characters.
func isRequestNo(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}
