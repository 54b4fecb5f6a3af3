package payment_test

import (
	"strings"
	"testing"

	"genuine"
	"genuine/payment"
)

// Every currency genuine accepts converts to Stripe's unit and back
// unchanged, or is refused where Stripe cannot charge it exactly; none is
// rounded.
func TestStripeEveryCurrency(t *testing.T) {
	zero := " BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF "
	for _, cur := range genuine.Currencies() {
		digits := genuine.CurrencyDigits(cur)
		// One major unit, and one minor unit, of the currency.
		major := int64(1)
		for range digits {
			major *= 10
		}
		var wantMajor int64 // Stripe's amount for one major unit
		switch {
		case strings.Contains(zero, " "+cur+" "):
			wantMajor = 1
		case cur == "ISK":
			wantMajor = 100
		case digits == 3:
			wantMajor = 1000
		default:
			wantMajor = 100
		}
		got, err := payment.ToStripe(7*major, cur)
		if err != nil || got != 7*wantMajor {
			t.Errorf("ToStripe(7 %s) = %d, %v; want %d", cur, got, err, 7*wantMajor)
			continue
		}
		back, err := payment.FromStripe(got, strings.ToLower(cur))
		if err != nil || back != 7*major {
			t.Errorf("FromStripe(%d %s) = %d, %v; want %d", got, cur, back, err, 7*major)
		}
		// A minor unit Stripe cannot charge is refused, not rounded.
		_, err = payment.ToStripe(7*major+1, cur)
		exact := wantMajor >= major && !(digits == 3)
		if exact && err != nil {
			t.Errorf("ToStripe(%d %s): %v", 7*major+1, cur, err)
		}
		if !exact && genuine.ErrorCode(err) != genuine.EInvalid {
			t.Errorf("ToStripe(%d %s) = %v, want refused (Stripe cannot charge it exactly)", 7*major+1, cur, err)
		}
	}
	for _, tc := range []struct {
		minor int64
		cur   string
		want  int64
		ok    bool
	}{
		{3500, "CNY", 3500, true}, {3500, "JPY", 3500, true}, {12300, "MGA", 123, true}, {12345, "MGA", 0, false},
		{5, "ISK", 500, true}, {1230, "KWD", 1230, true}, {1235, "KWD", 0, false}, {0, "USD", 0, true},
		{-1, "USD", 0, false}, {100, "XXX", 0, false}, {100, "usd", 0, false},
	} {
		got, err := payment.ToStripe(tc.minor, tc.cur)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ToStripe(%d, %s) = %d, %v; want %d, ok %v", tc.minor, tc.cur, got, err, tc.want, tc.ok)
		}
	}
	if _, err := payment.FromStripe(150, "isk"); err == nil {
		t.Error("FromStripe(150 isk) (1.5 króna) was taken")
	}
}

// Alipay and WeChat Pay take CNY only, Alipay in yuan with two decimals
// and WeChat Pay in fen, each from 1 fen to 100 000 000 yuan; every other
// currency genuine accepts is refused.
func TestAlipayAndWeChatPayMoney(t *testing.T) {
	for _, cur := range genuine.Currencies() {
		_, aerr := payment.ToAlipay(100, cur)
		_, werr := payment.ToWeChat(100, cur)
		if cur == "CNY" {
			if aerr != nil || werr != nil {
				t.Errorf("1 CNY: Alipay %v, WeChat Pay %v", aerr, werr)
			}
			continue
		}
		if genuine.ErrorCode(aerr) != genuine.EInvalid || genuine.ErrorCode(werr) != genuine.EInvalid {
			t.Errorf("%s: Alipay %v, WeChat Pay %v; want both refused", cur, aerr, werr)
		}
	}
	for _, tc := range []struct {
		fen  int64
		yuan string
		ok   bool
	}{
		{1, "0.01", true}, {3500, "35.00", true}, {3510, "35.10", true}, {100_000_000_00, "100000000.00", true},
		{0, "", false}, {-1, "", false}, {100_000_000_01, "", false},
	} {
		got, err := payment.ToAlipay(tc.fen, "CNY")
		if (err == nil) != tc.ok || got != tc.yuan {
			t.Errorf("ToAlipay(%d) = %q, %v; want %q", tc.fen, got, err, tc.yuan)
		}
		if w, err := payment.ToWeChat(tc.fen, "CNY"); (err == nil) != tc.ok || (tc.ok && w != tc.fen) {
			t.Errorf("ToWeChat(%d) = %d, %v", tc.fen, w, err)
		}
		if tc.ok {
			if back, err := payment.FromAlipay(got); err != nil || back != tc.fen {
				t.Errorf("FromAlipay(%q) = %d, %v; want %d", got, back, err, tc.fen)
			}
		}
	}
	for in, want := range map[string]int64{"35": 3500, "35.5": 3550, "0.01": 1, "35.00": 3500} {
		if got, err := payment.FromAlipay(in); err != nil || got != want {
			t.Errorf("FromAlipay(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1.00", "+1", "1.001", "1.", ".5", "1e3", "35,00", " 35", "1000000000", "100000000.01"} {
		if got, err := payment.FromAlipay(bad); err == nil {
			t.Errorf("FromAlipay(%q) = %d, want refused", bad, got)
		}
	}
	if got, err := payment.FromWeChat(3500, "CNY"); err != nil || got != 3500 {
		t.Errorf("FromWeChat(3500 CNY) = %d, %v", got, err)
	}
	for _, bad := range []struct {
		fen int64
		cur string
	}{{3500, "USD"}, {-1, "CNY"}, {100_000_000_01, "CNY"}} {
		if _, err := payment.FromWeChat(bad.fen, bad.cur); err == nil {
			t.Errorf("FromWeChat(%d %s) taken", bad.fen, bad.cur)
		}
	}
}

func FuzzFromAlipay(f *testing.F) {
	for _, s := range []string{"35.00", "0.01", "1", "1.5", "-1", "1e3", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fen, err := payment.FromAlipay(s)
		if err != nil {
			return
		}
		// What is taken writes back as the same amount.
		yuan, err := payment.ToAlipay(fen, "CNY")
		if fen == 0 {
			return // 0 is read, but never charged
		}
		if err != nil {
			t.Fatalf("FromAlipay(%q) = %d, which ToAlipay refuses: %v", s, fen, err)
		}
		if again, _ := payment.FromAlipay(yuan); again != fen {
			t.Fatalf("%q → %d → %q → %d", s, fen, yuan, again)
		}
	})
}
