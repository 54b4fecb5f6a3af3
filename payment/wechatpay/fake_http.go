package wechatpay

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// fakeError is an error answer of the fake, in WeChat Pay's shape.
type fakeError struct {
	status  int
	Code    string `json:"code"`
	Message string `json:"message"`
}

func errorf(status int, code, message string) *fakeError {
	return &fakeError{status: status, Code: code, Message: message}
}

// fakeHandler answers one endpoint for an authenticated account: a status
// and a body to encode as JSON (nil for none), or an error.
type fakeHandler func(a *fakeAccount, r *http.Request, body []byte) (int, any, *fakeError)

// routes are the fake's endpoints.
func (f *Fake) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /v3/pay/transactions/native", f.signed(f.prepay))
	mux.Handle("GET /v3/pay/transactions/out-trade-no/{no}", f.signed(f.query))
	mux.Handle("POST /v3/pay/transactions/out-trade-no/{no}/close", f.signed(f.close))
	mux.Handle("POST /v3/refund/domestic/refunds", f.signed(f.refund))
	mux.Handle("GET /v3/refund/domestic/refunds/{no}", f.signed(f.queryRefund))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errorf(http.StatusNotFound, "NOT_FOUND", "no such endpoint"))
	})
	return mux
}

// signed verifies a request's Authorization, runs h for its account, and
// answers signed with the account's WeChat Pay key.
func (f *Fake) signed(h fakeHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			writeError(w, errorf(http.StatusBadRequest, "PARAM_ERROR", "body unreadable"))
			return
		}
		a, ferr := f.authenticate(r, body)
		if ferr != nil {
			writeError(w, ferr)
			return
		}
		status, out, ferr := h(a, r, body)
		if ferr != nil {
			status, out = ferr.status, ferr
		}
		var data []byte
		if out != nil {
			data, _ = json.Marshal(out)
		}
		signAnswer(w.Header(), a, data, time.Now())
		if data != nil {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		w.Write(data)
	})
}

// writeError answers unsigned, as the fake must when it knows no account.
func writeError(w http.ResponseWriter, e *fakeError) {
	data, _ := json.Marshal(e)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	w.Write(data)
}

// authenticate verifies a request's Authorization header as WeChat Pay
// does: WECHATPAY2-SHA256-RSA2048 with mchid, nonce_str, timestamp (within
// 5 minutes), serial_no (the merchant's certificate) and signature over
// "method\nURL\ntimestamp\nnonce\nbody\n" under the merchant's key.
func (f *Fake) authenticate(r *http.Request, body []byte) (*fakeAccount, *fakeError) {
	refuse := errorf(http.StatusUnauthorized, "SIGN_ERROR", "签名错误")
	params, ok := strings.CutPrefix(r.Header.Get("Authorization"), "WECHATPAY2-SHA256-RSA2048 ")
	if !ok {
		return nil, refuse
	}
	p := map[string]string{}
	for part := range strings.SplitSeq(params, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, refuse
		}
		p[k] = strings.Trim(v, `"`)
	}
	f.mu.Lock()
	a := f.accounts[p["mchid"]]
	f.mu.Unlock()
	ts, err := strconv.ParseInt(p["timestamp"], 10, 64)
	if a == nil || err != nil || p["serial_no"] != a.serialNo || p["nonce_str"] == "" ||
		math.Abs(float64(time.Now().Unix()-ts)) >= 5*60 {
		return nil, refuse
	}
	sig, err := base64.StdEncoding.DecodeString(p["signature"])
	if err != nil {
		return nil, refuse
	}
	msg := r.Method + "\n" + r.RequestURI + "\n" + p["timestamp"] + "\n" + p["nonce_str"] + "\n" + string(body) + "\n"
	sum := sha256.Sum256([]byte(msg))
	if rsa.VerifyPKCS1v15(a.merchantKey, crypto.SHA256, sum[:], sig) != nil {
		return nil, refuse
	}
	return a, nil
}

// signAnswer sets the Wechatpay-* headers of an answer (or notification)
// of an account, made at now: the signature, under the account's WeChat
// Pay key, of "timestamp\nnonce\nbody\n".
func signAnswer(h http.Header, a *fakeAccount, body []byte, now time.Time) {
	ts := strconv.FormatInt(now.Unix(), 10)
	nonce := strings.ToUpper(randomHex(16))
	sum := sha256.Sum256([]byte(ts + "\n" + nonce + "\n" + string(body) + "\n"))
	sig, err := rsa.SignPKCS1v15(rand.Reader, a.platformKey, crypto.SHA256, sum[:])
	if err != nil {
		panic("wechatpay fake: sign: " + err.Error())
	}
	h.Set("Wechatpay-Timestamp", ts)
	h.Set("Wechatpay-Nonce", nonce)
	h.Set("Wechatpay-Signature", base64.StdEncoding.EncodeToString(sig))
	h.Set("Wechatpay-Serial", a.keyID)
	h.Set("Request-Id", "08"+strings.ToUpper(randomHex(12)))
}

// prepayRequest is the body of POST /v3/pay/transactions/native.
type prepayRequest struct {
	AppID       string `json:"appid"`
	MchID       string `json:"mchid"`
	Description string `json:"description"`
	OutTradeNo  string `json:"out_trade_no"`
	TimeExpire  string `json:"time_expire"`
	NotifyURL   string `json:"notify_url"`
	Amount      *struct {
		Total    int64  `json:"total"`
		Currency string `json:"currency"`
	} `json:"amount"`
}

func (f *Fake) prepay(a *fakeAccount, r *http.Request, body []byte) (int, any, *fakeError) {
	var req prepayRequest
	if json.Unmarshal(body, &req) != nil {
		return 0, nil, errorf(http.StatusBadRequest, "PARAM_ERROR", "请求体不是JSON")
	}
	now := time.Now()
	expires := now.Add(defaultLifetime)
	switch {
	case req.MchID != a.mchID:
		return 0, nil, errorf(http.StatusBadRequest, "PARAM_ERROR", "mchid与请求商户号不一致")
	case req.AppID != a.appID:
		return 0, nil, errorf(http.StatusBadRequest, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
	case req.Description == "" || len(req.Description) > maxDescription:
		return 0, nil, errorf(http.StatusBadRequest, "PARAM_ERROR", "description长度不正确")
	case !isTradeNo(req.OutTradeNo, 6, 32, "_-|*"):
		return 0, nil, errorf(http.StatusBadRequest, "PARAM_ERROR", "out_trade_no格式不正确")
	case req.Amount == nil || req.Amount.Total < 1 || (req.Amount.Currency != "" && req.Amount.Currency != "CNY"):
		return 0, nil, errorf(http.StatusBadRequest, "PARAM_ERROR", "amount不正确")
	}
	if u, err := url.Parse(req.NotifyURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
		return 0, nil, errorf(http.StatusBadRequest, "PARAM_ERROR", "notify_url格式不正确，不能携带参数")
	}
	if req.TimeExpire != "" {
		t, err := time.Parse(time.RFC3339, req.TimeExpire)
		if err != nil || !t.After(now) {
			return 0, nil, errorf(http.StatusBadRequest, "PARAM_ERROR", "time_expire格式不正确或时间过短")
		}
		expires = t
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if o := f.orders[req.OutTradeNo]; o != nil {
		f.expire(o, now)
		switch {
		case o.mchID != a.mchID:
			return 0, nil, errorf(http.StatusForbidden, "OUT_TRADE_NO_USED", "商户订单号重复")
		case o.state == "SUCCESS" || o.state == "REFUND":
			return 0, nil, errorf(http.StatusBadRequest, "ORDERPAID", "该订单已支付")
		case o.state == "CLOSED":
			return 0, nil, errorf(http.StatusBadRequest, "ORDER_CLOSED", "订单已关闭")
		case o.total != req.Amount.Total || o.description != req.Description:
			return 0, nil, errorf(http.StatusForbidden, "OUT_TRADE_NO_USED", "商户订单号重复")
		}
		return http.StatusOK, map[string]string{"code_url": o.codeURL}, nil
	}
	o := &order{
		mchID: a.mchID, appID: a.appID, outTradeNo: req.OutTradeNo, description: req.Description,
		notifyURL: req.NotifyURL, codeURL: "weixin://wxpay/bizpayurl?pr=" + randomHex(4)[:7],
		total: req.Amount.Total, state: "NOTPAY", createdAt: now, expiresAt: expires,
	}
	f.orders[o.outTradeNo] = o
	return http.StatusOK, map[string]string{"code_url": o.codeURL}, nil
}

// lookup returns an account's payment, expired if it is due.
func (f *Fake) lookup(a *fakeAccount, no string) *order {
	o := f.orders[no]
	if o == nil || o.mchID != a.mchID {
		return nil
	}
	f.expire(o, time.Now())
	return o
}

func (f *Fake) query(a *fakeAccount, r *http.Request, _ []byte) (int, any, *fakeError) {
	if r.URL.Query().Get("mchid") != a.mchID {
		return 0, nil, errorf(http.StatusBadRequest, "PARAM_ERROR", "mchid与请求商户号不一致")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.lookup(a, r.PathValue("no"))
	if o == nil {
		return 0, nil, errorf(http.StatusNotFound, "ORDER_NOT_EXIST", "订单不存在")
	}
	return http.StatusOK, transactionOf(o), nil
}

// tradeStateDesc says each trade_state as WeChat Pay does.
var tradeStateDesc = map[string]string{
	"NOTPAY": "订单未支付", "SUCCESS": "支付成功", "REFUND": "转入退款",
	"CLOSED": "订单已关闭", "PAYERROR": "支付失败",
}

// transactionOf is a payment as WeChat Pay's query and notifications
// describe it.
func transactionOf(o *order) map[string]any {
	tx := map[string]any{
		"appid": o.appID, "mchid": o.mchID, "out_trade_no": o.outTradeNo,
		"trade_type": "NATIVE", "trade_state": o.state, "trade_state_desc": tradeStateDesc[o.state],
		"attach": "", "amount": map[string]any{"total": o.total, "currency": "CNY", "payer_currency": "CNY"},
	}
	if !o.paidAt.IsZero() {
		tx["transaction_id"] = o.transactionID
		tx["success_time"] = o.paidAt.In(chinaTime).Format(time.RFC3339)
		tx["bank_type"] = "OTHERS"
		tx["payer"] = map[string]string{"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}
		tx["amount"] = map[string]any{"total": o.total, "payer_total": o.total, "currency": "CNY", "payer_currency": "CNY"}
	}
	return tx
}

func (f *Fake) close(a *fakeAccount, r *http.Request, body []byte) (int, any, *fakeError) {
	var req struct {
		MchID string `json:"mchid"`
	}
	if json.Unmarshal(body, &req) != nil || req.MchID != a.mchID {
		return 0, nil, errorf(http.StatusBadRequest, "PARAM_ERROR", "mchid与请求商户号不一致")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.lookup(a, r.PathValue("no"))
	switch {
	case o == nil:
		return 0, nil, errorf(http.StatusNotFound, "ORDER_NOT_EXIST", "订单不存在")
	case o.state == "SUCCESS" || o.state == "REFUND":
		return 0, nil, errorf(http.StatusBadRequest, "ORDERPAID", "订单已支付")
	}
	o.state = "CLOSED"
	return http.StatusNoContent, nil, nil
}
