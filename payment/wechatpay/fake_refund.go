package wechatpay

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"
)

// refundRequest is the body of POST /v3/refund/domestic/refunds.
type refundRequest struct {
	OutTradeNo  string `json:"out_trade_no"`
	OutRefundNo string `json:"out_refund_no"`
	Amount      *struct {
		Refund   int64  `json:"refund"`
		Total    int64  `json:"total"`
		Currency string `json:"currency"`
	} `json:"amount"`
}

func (f *Fake) refund(a *fakeAccount, _ *http.Request, body []byte) (int, any, *fakeError) {
	var req refundRequest
	switch {
	case json.Unmarshal(body, &req) != nil:
		return 0, nil, errorf(http.StatusBadRequest, "PARAM_ERROR", "请求体不是JSON")
	case !isTradeNo(req.OutRefundNo, 1, 64, "_-|*@"):
		return 0, nil, errorf(http.StatusBadRequest, "PARAM_ERROR", "out_refund_no格式不正确")
	case req.Amount == nil || req.Amount.Refund < 1 || req.Amount.Currency != "CNY":
		return 0, nil, errorf(http.StatusBadRequest, "PARAM_ERROR", "amount不正确")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	key := a.mchID + "/" + req.OutRefundNo
	if rf := f.refunds[key]; rf != nil {
		return http.StatusOK, refundOf(rf), nil
	}
	o := f.lookup(a, req.OutTradeNo)
	switch {
	case o == nil:
		return 0, nil, errorf(http.StatusNotFound, "RESOURCE_NOT_EXISTS", "订单不存在")
	case o.state != "SUCCESS" && o.state != "REFUND":
		return 0, nil, errorf(http.StatusBadRequest, "INVALID_REQUEST", "订单未支付，不能退款")
	case req.Amount.Total != o.total:
		return 0, nil, errorf(http.StatusBadRequest, "PARAM_ERROR", "订单金额与退款请求中的订单金额不一致")
	case req.Amount.Refund > o.total-o.refunded:
		return 0, nil, errorf(http.StatusBadRequest, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
	}
	rf := &fakeRefund{
		refundID: "50" + randomDigits(30), outRefundNo: req.OutRefundNo, order: o,
		amount: req.Amount.Refund, createdAt: time.Now().Truncate(time.Second),
	}
	o.refunded += rf.amount
	o.state = "REFUND"
	f.refunds[key] = rf
	return http.StatusOK, refundOf(rf), nil
}

func (f *Fake) queryRefund(a *fakeAccount, r *http.Request, _ []byte) (int, any, *fakeError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rf := f.refunds[a.mchID+"/"+r.PathValue("no")]
	if rf == nil {
		return 0, nil, errorf(http.StatusNotFound, "RESOURCE_NOT_EXISTS", "退款单不存在")
	}
	return http.StatusOK, refundOf(rf), nil
}

// refundOf is a refund as WeChat Pay answers it: PROCESSING the first
// time, SUCCESS after (the fake's refunds land at once).
func refundOf(rf *fakeRefund) map[string]any {
	status := "SUCCESS"
	if !rf.told {
		status, rf.told = "PROCESSING", true
	}
	out := map[string]any{
		"refund_id": rf.refundID, "out_refund_no": rf.outRefundNo,
		"transaction_id": rf.order.transactionID, "out_trade_no": rf.order.outTradeNo,
		"channel": "ORIGINAL", "user_received_account": "支付用户零钱",
		"create_time": rf.createdAt.In(chinaTime).Format(time.RFC3339),
		"status":      status, "funds_account": "AVAILABLE",
		"amount": map[string]any{
			"total": rf.order.total, "refund": rf.amount, "payer_total": rf.order.total, "payer_refund": rf.amount,
			"settlement_total": rf.order.total, "settlement_refund": rf.amount, "discount_refund": 0,
			"currency": "CNY", "from": []any{},
		},
	}
	if status == "SUCCESS" {
		out["success_time"] = rf.createdAt.In(chinaTime).Format(time.RFC3339)
	}
	return out
}

// notification returns the headers and body of a TRANSACTION.SUCCESS
// notification of an account, as WeChat Pay sends it.
func (f *Fake) notification(a *fakeAccount, mchID, appID, outTradeNo, transactionID string, total int64, paidAt time.Time) (http.Header, []byte) {
	plain, _ := json.Marshal(transactionOf(&order{
		mchID: mchID, appID: appID, outTradeNo: outTradeNo, transactionID: transactionID,
		total: total, state: "SUCCESS", paidAt: paidAt,
	}))
	return signedNotification(a, eventPaid, "支付成功", "transaction", plain, time.Now())
}

// signedNotification returns the headers and body of a notification of an
// account, sent at now, as WeChat Pay sends it: the resource, of its
// original type, encrypted with AEAD_AES_256_GCM under the account's APIv3
// key, and the whole signed with its WeChat Pay key.
func signedNotification(a *fakeAccount, event, summary, original string, resource []byte, now time.Time) (http.Header, []byte) {
	nonce := randomHex(6)
	sealed := a.aead.Seal(nil, []byte(nonce), resource, []byte(original))
	id := randomHex(16)
	body, _ := json.Marshal(map[string]any{
		"id":            id[:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:],
		"create_time":   now.In(chinaTime).Format(time.RFC3339),
		"resource_type": "encrypt-resource",
		"event_type":    event,
		"summary":       summary,
		"resource": map[string]string{
			"original_type": original, "algorithm": "AEAD_AES_256_GCM",
			"ciphertext": base64.StdEncoding.EncodeToString(sealed), "associated_data": original, "nonce": nonce,
		},
	})
	h := http.Header{}
	signAnswer(h, a, body, now)
	h.Set("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048")
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Mozilla/4.0")
	return h, body
}
