package alipay

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"genuine/payment"
)

// fakeHead begins every answer of the fake's gateway: Alipay's code and
// message, and for a refusal its sub_code and sub_msg.
type fakeHead struct {
	Code    string `json:"code"`
	Msg     string `json:"msg"`
	SubCode string `json:"sub_code,omitempty"`
	SubMsg  string `json:"sub_msg,omitempty"`
}

// success is the head of an answer to a call that did what it asked.
var success = fakeHead{Code: "10000", Msg: "Success"}

// businessFailed is the head of an answer refusing a call for a business
// rule.
func businessFailed(sub, msg string) fakeHead {
	return fakeHead{Code: "40004", Msg: "Business Failed", SubCode: sub, SubMsg: msg}
}

// invalidArguments is the head of an answer refusing a malformed call.
func invalidArguments(sub, msg string) fakeHead {
	return fakeHead{Code: "40002", Msg: "Invalid Arguments", SubCode: sub, SubMsg: msg}
}

// fakeBiz is a call's biz_content: the members of every method the fake
// takes.
type fakeBiz struct {
	OutTradeNo     string `json:"out_trade_no"`
	TradeNo        string `json:"trade_no"`
	TotalAmount    string `json:"total_amount"`
	Subject        string `json:"subject"`
	SellerID       string `json:"seller_id"`
	TimeExpire     string `json:"time_expire"`
	TimeoutExpress string `json:"timeout_express"`
	RefundAmount   string `json:"refund_amount"`
	OutRequestNo   string `json:"out_request_no"`
}

// maxTimestampSkew is how far a request's timestamp may be from now.
const maxTimestampSkew = 10 * time.Minute

// serveGateway answers a call to the gateway, as Alipay's gateway.do: a
// form whose sign is the app's RSA2 signature of its other parameters.
func (f *Fake) serveGateway(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	form := r.PostForm
	method := form.Get("method")
	f.mu.Lock()
	app := f.apps[form.Get("app_id")]
	f.mu.Unlock()
	if app == nil {
		f.answer(w, "error", nil, invalidArguments("isv.invalid-app-id", "无效的AppID参数"))
		return
	}
	if form.Get("sign_type") != "RSA2" {
		f.answer(w, method, nil, invalidArguments("isv.invalid-signature-type", "无效的签名类型"))
		return
	}
	if !verifyRSA2(app.appKey, signedContent(form, "sign"), form.Get("sign")) {
		f.answer(w, method, nil, invalidArguments("isv.invalid-signature", "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配"))
		return
	}
	ts, err := time.ParseInLocation(timeLayout, form.Get("timestamp"), beijing)
	if err != nil || ts.Sub(time.Now()).Abs() > maxTimestampSkew {
		f.answer(w, method, app, invalidArguments("isv.invalid-timestamp", "非法的时间戳参数"))
		return
	}
	if form.Get("charset") != "utf-8" || form.Get("format") != "JSON" || form.Get("version") != "1.0" {
		f.answer(w, method, app, invalidArguments("isv.invalid-parameter", "charset, format or version is not utf-8, JSON, 1.0"))
		return
	}
	var biz fakeBiz
	if err := json.Unmarshal([]byte(form.Get("biz_content")), &biz); err != nil {
		f.answer(w, method, app, invalidArguments("isv.invalid-parameter", "biz_content 不是 JSON"))
		return
	}
	var out any
	switch method {
	case "alipay.trade.precreate":
		out = f.precreate(app, biz, form.Get("notify_url"))
	case "alipay.trade.query":
		out = f.query(app, biz)
	case "alipay.trade.close":
		out = f.close(app, biz)
	case "alipay.trade.cancel":
		out = f.cancel(app, biz)
	case "alipay.trade.refund":
		out = f.refund(app, biz)
	default:
		f.answer(w, "error", app, invalidArguments("isv.invalid-method", "不存在的方法名"))
		return
	}
	f.answer(w, method, app, out)
}

// answer writes Alipay's answer to a call of method: {"<method with _
// for .>_response": out, "sign": "…"}, signed, if app is known, with its
// Alipay key over the exact bytes of out. A method of "error" answers in
// error_response.
func (f *Fake) answer(w http.ResponseWriter, method string, app *fakeApp, out any) {
	biz, _ := json.Marshal(out) // structs of strings: cannot fail
	var b bytes.Buffer
	b.WriteString(`{"`)
	b.WriteString(strings.ReplaceAll(method, ".", "_"))
	b.WriteString(`_response":`)
	b.Write(biz)
	if app != nil {
		b.WriteString(`,"sign":"`)
		b.WriteString(signRSA2(app.alipayKey, biz))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	w.Write(b.Bytes())
}

// trade returns an app's trade that exists at Alipay, by out_trade_no or
// trade_no, with f.mu held; nil if there is none.
func (f *Fake) trade(app *fakeApp, biz fakeBiz) *fakeTrade {
	t := f.trades[biz.OutTradeNo]
	if biz.OutTradeNo == "" {
		t = f.byTradeNo[biz.TradeNo]
	}
	if t == nil || t.app != app {
		return nil
	}
	f.expire(t, f.now())
	if t.status == tradeUnscanned {
		return nil
	}
	return t
}

var tradeNotExist = businessFailed(subTradeNotExist, "交易不存在")

// precreate answers alipay.trade.precreate: a new trade, or the same QR
// code for the same out_trade_no again.
func (f *Fake) precreate(app *fakeApp, biz fakeBiz, notifyURL string) any {
	total, err := payment.FromAlipay(biz.TotalAmount)
	switch {
	case !isOutNo(biz.OutTradeNo):
		return businessFailed("ACQ.INVALID_PARAMETER", "参数无效: out_trade_no")
	case err != nil || total < 1:
		return businessFailed("ACQ.INVALID_PARAMETER", "参数无效: total_amount")
	case biz.Subject == "":
		return businessFailed("ACQ.INVALID_PARAMETER", "参数无效: subject")
	case biz.SellerID != "" && biz.SellerID != app.sellerID:
		return businessFailed("ACQ.INVALID_PARAMETER", "参数无效: seller_id")
	}
	now := f.now()
	expires, ok := expiry(biz, now)
	if !ok {
		return businessFailed("ACQ.INVALID_PARAMETER", "参数无效: time_expire")
	}
	type precreated struct {
		fakeHead
		OutTradeNo string `json:"out_trade_no"`
		QRCode     string `json:"qr_code"`
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if t := f.trades[biz.OutTradeNo]; t != nil {
		f.expire(t, now)
		switch {
		case t.app != app || t.total != total || t.subject != biz.Subject:
			return businessFailed(subContextInconsist, "交易信息被篡改")
		case t.status == tradeSuccess || t.status == tradeFinished:
			return businessFailed(subTradeHasSuccess, "交易已被支付")
		case t.status == tradeClosed || t.expired:
			return businessFailed(subTradeHasClose, "交易已经关闭")
		}
		return precreated{success, t.outTradeNo, t.qr}
	}
	t := &fakeTrade{
		app: app, outTradeNo: biz.OutTradeNo, subject: biz.Subject, total: total,
		notifyURL: notifyURL, created: now, expires: expires,
		qr: f.srv.URL + "/qr/" + newNotifyID()[:24],
	}
	f.trades[t.outTradeNo] = t
	return precreated{success, t.outTradeNo, t.qr}
}

// expiry returns when a trade precreated now expires: its time_expire, or
// now and its timeout_express ("90m", "2h", "1d"), or two hours from now.
func expiry(biz fakeBiz, now time.Time) (time.Time, bool) {
	if biz.TimeExpire != "" {
		t, err := time.ParseInLocation(timeLayout, biz.TimeExpire, beijing)
		return t, err == nil && t.After(now)
	}
	if s := biz.TimeoutExpress; s != "" {
		n, err := strconv.Atoi(s[:len(s)-1])
		unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}[s[len(s)-1]]
		return now.Add(time.Duration(n) * unit), err == nil && n > 0 && unit > 0
	}
	return now.Add(2 * time.Hour), true
}

// query answers alipay.trade.query.
func (f *Fake) query(app *fakeApp, biz fakeBiz) any {
	type queried struct {
		fakeHead
		TradeNo        string `json:"trade_no"`
		OutTradeNo     string `json:"out_trade_no"`
		BuyerLogonID   string `json:"buyer_logon_id,omitempty"`
		TradeStatus    string `json:"trade_status"`
		TotalAmount    string `json:"total_amount"`
		BuyerPayAmount string `json:"buyer_pay_amount,omitempty"`
		PointAmount    string `json:"point_amount,omitempty"`
		InvoiceAmount  string `json:"invoice_amount,omitempty"`
		SendPayDate    string `json:"send_pay_date,omitempty"`
		ReceiptAmount  string `json:"receipt_amount,omitempty"`
		BuyerUserID    string `json:"buyer_user_id,omitempty"`
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.trade(app, biz)
	if t == nil {
		return tradeNotExist
	}
	total, _ := payment.ToAlipay(t.total, "CNY")
	out := queried{fakeHead: success, TradeNo: t.tradeNo, OutTradeNo: t.outTradeNo, TradeStatus: string(t.status), TotalAmount: total}
	if !t.paidAt.IsZero() {
		out.BuyerLogonID, out.BuyerUserID = fakeBuyerLogon, fakeBuyerID
		out.BuyerPayAmount, out.InvoiceAmount, out.ReceiptAmount, out.PointAmount = total, total, total, "0.00"
		out.SendPayDate = t.paidAt.In(beijing).Format(timeLayout)
	}
	return out
}

// closed is the answer to alipay.trade.close and alipay.trade.cancel.
type closed struct {
	fakeHead
	TradeNo    string `json:"trade_no,omitempty"`
	OutTradeNo string `json:"out_trade_no"`
	RetryFlag  string `json:"retry_flag,omitempty"`
	Action     string `json:"action,omitempty"`
}

// close answers alipay.trade.close: a trade waiting to be paid is closed.
func (f *Fake) close(app *fakeApp, biz fakeBiz) any {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.trade(app, biz)
	switch {
	case t == nil:
		return tradeNotExist
	case t.status != tradeWaiting:
		return businessFailed(subTradeStatusError, "交易状态不合法")
	}
	t.status, t.closedAt = tradeClosed, f.now()
	return closed{fakeHead: success, TradeNo: t.tradeNo, OutTradeNo: t.outTradeNo}
}

// cancel answers alipay.trade.cancel: a trade not yet paid, scanned or not,
// is closed; a paid one is refunded in full and closed.
func (f *Fake) cancel(app *fakeApp, biz fakeBiz) any {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.trades[biz.OutTradeNo]
	if t == nil || t.app != app {
		return tradeNotExist
	}
	now := f.now()
	f.expire(t, now)
	out := closed{fakeHead: success, TradeNo: t.tradeNo, OutTradeNo: t.outTradeNo, RetryFlag: "N", Action: "close"}
	switch t.status {
	case tradeUnscanned:
		f.scan(t)
		t.expired = false
		out.TradeNo = t.tradeNo
		t.status, t.closedAt = tradeClosed, now
	case tradeWaiting:
		t.status, t.closedAt = tradeClosed, now
	case tradeSuccess:
		out.Action = "refund"
		t.refunded, t.status, t.closedAt = t.total, tradeClosed, now
		f.deliverLater(t, f.notification(t, now, ""))
	case tradeFinished:
		return businessFailed(subTradeStatusError, "交易状态不合法")
	}
	return out
}

// refund answers alipay.trade.refund: once per out_request_no, as long as
// the trade is paid and has as much left.
func (f *Fake) refund(app *fakeApp, biz fakeBiz) any {
	amount, err := payment.FromAlipay(biz.RefundAmount)
	switch {
	case err != nil || amount < 1:
		return businessFailed("ACQ.INVALID_PARAMETER", "参数无效: refund_amount")
	case biz.OutRequestNo == "":
		return businessFailed("ACQ.INVALID_PARAMETER", "参数无效: out_request_no")
	}
	type refunded struct {
		fakeHead
		TradeNo      string `json:"trade_no"`
		OutTradeNo   string `json:"out_trade_no"`
		BuyerLogonID string `json:"buyer_logon_id"`
		BuyerUserID  string `json:"buyer_user_id"`
		FundChange   string `json:"fund_change"`
		RefundFee    string `json:"refund_fee"`
		GmtRefundPay string `json:"gmt_refund_pay"`
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.trade(app, biz)
	if t == nil {
		return tradeNotExist
	}
	now := f.now()
	out := refunded{
		fakeHead: success, TradeNo: t.tradeNo, OutTradeNo: t.outTradeNo,
		BuyerLogonID: fakeBuyerLogon, BuyerUserID: fakeBuyerID, FundChange: "N",
		GmtRefundPay: now.In(beijing).Format(timeLayout),
	}
	if done, ok := t.refunds[biz.OutRequestNo]; ok {
		if done != amount {
			return businessFailed(subDiscordantRepeat, "不一致的请求")
		}
		out.RefundFee, _ = payment.ToAlipay(t.refunded, "CNY")
		return out
	}
	switch {
	case t.status == tradeFinished:
		return businessFailed(subTradeHasFinished, "交易已完结")
	case t.status != tradeSuccess:
		return businessFailed(subTradeStatusError, "交易状态不合法")
	case amount > t.total-t.refunded:
		return businessFailed(subRefundAmountExceed, "退款金额超限")
	}
	if t.refunds == nil {
		t.refunds = make(map[string]int64)
	}
	t.refunds[biz.OutRequestNo] = amount
	t.refunded += amount
	if t.refunded == t.total {
		t.status, t.closedAt = tradeClosed, now
	}
	f.deliverLater(t, f.notification(t, now, biz.OutRequestNo))
	out.FundChange = "Y"
	out.RefundFee, _ = payment.ToAlipay(t.refunded, "CNY")
	return out
}
