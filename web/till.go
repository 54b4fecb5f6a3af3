package web

import (
	"context"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/skip2/go-qrcode"

	"genuine"
	"genuine/web/i18n"
)

// The till (DESIGN §13): a merchant's cashier scans units, sees each
// checked at once, takes payment and prints receipts. The page is HTML
// with a script (static/till.js) that calls the API with the browser's
// session; this file serves the page, the payment's QR code, the receipt
// and the shop's QR code for self-checkout.

// tillPage is what the till's template shows, and Config what its script
// reads from the page.
type tillPage struct {
	Merchant *genuine.Merchant
	Config   tillConfig
}

// tillConfig is the till script's data: the merchant, the currency of its
// prices and how to write amounts of it, the providers it may take payment
// at, and the words it shows in the page's language (reasons filled as
// i18n.Reason fills them).
type tillConfig struct {
	Lang       i18n.Lang `json:"lang"`
	MerchantID string    `json:"merchant_id"`
	Zone       string    `json:"zone"`
	Currency   string    `json:"currency"`
	Symbol     string    `json:"symbol"` // "" for a currency written with its code after the amount
	Digits     int       `json:"digits"`
	// OtherDigits are the decimal digits of each other currency that is
	// not written with two, for amounts in a currency not the till's (a
	// brand's price range, a sale in another): JPY 0, KWD 3.
	OtherDigits map[string]int    `json:"other_digits"`
	Providers   []string          `json:"providers"`
	Words       map[string]string `json:"words"`
	Reasons     map[string]string `json:"reasons"`
	Regions     map[string]string `json:"regions"`
	// Camera is the URL of the vendored QR decoder, loaded only when the
	// cashier turns the camera on.
	Camera string `json:"camera"`
}

// tillRefused is the till's answer to a person signed in with a key that
// is not a merchant's.
type tillRefused struct{}

// tillSession returns the merchant signed in on the browser of a till
// request. Otherwise it answers: 303 to the sign-in page (coming back to
// the request's page) without a session that works, 403 with a page that
// says why for a key that is not a merchant's, and false.
func (s *Server) tillSession(w http.ResponseWriter, r *http.Request) (*genuine.Principal, *genuine.Merchant, bool) {
	p, err := s.sessionPrincipal(r)
	if genuine.ErrorCode(err) == genuine.EUnauthorized {
		seeOther(w, "/login?next="+url.QueryEscape(r.URL.RequestURI()))
		return nil, nil, false
	}
	if err != nil {
		s.writeError(w, r, err, true)
		return nil, nil, false
	}
	if p.Role != genuine.RoleMerchant {
		s.pages.render(w, r, http.StatusForbidden, "till_refused.html", tillRefused{})
		return nil, nil, false
	}
	m, err := s.app.Merchant(r.Context(), p, p.MerchantID)
	if err != nil {
		s.writeError(w, r, err, true)
		return nil, nil, false
	}
	return p, m, true
}

// till handles GET /till: the cashier's page.
func (s *Server) till(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
	p, m, ok := s.tillSession(w, r)
	if !ok {
		return nil
	}
	cfg, err := s.tillConfig(r.Context(), pageLang(r), p, m)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	s.pages.render(w, r, http.StatusOK, "till.html", tillPage{Merchant: m, Config: cfg})
	return nil
}

// tillConfig returns the till script's data for merchant m.
func (s *Server) tillConfig(ctx context.Context, l i18n.Lang, p *genuine.Principal, m *genuine.Merchant) (tillConfig, error) {
	prices, err := s.app.Prices(ctx, p, m.ID)
	if err != nil {
		return tillConfig{}, err
	}
	providers, err := s.app.PaymentProviders(ctx, p, m.ID)
	if err != nil {
		return tillConfig{}, err
	}
	cur := tillCurrency(m.Region, prices)
	sym, _ := i18n.Symbol(l, cur)
	words := map[string]string{}
	for _, prefix := range []string{"till.", "status.", "provider."} {
		for k, v := range i18n.Messages(l, prefix) {
			words[prefix+k] = v
		}
	}
	for _, k := range []string{"pay", "cancel", "paid", "refunded", "receipt", "print", "total", "price", "product",
		"self_checkout", "waiting_for_payment", "payment_timed_out", "payment_reference", "genuine", "camera"} {
		words[k] = i18n.T(l, i18n.Key(k))
	}
	return tillConfig{
		Lang: l, MerchantID: m.ID, Zone: m.TimeZone, Currency: cur, Symbol: sym, Digits: genuine.CurrencyDigits(cur),
		OtherDigits: otherDigits(),
		Providers:   providers, Words: words, Reasons: i18n.Messages(l, "reason."), Regions: i18n.RegionNames(l),
		Camera: staticURL("vendor/jsqr.js"),
	}, nil
}

// otherDigits returns the decimal digits of every currency not written
// with two.
func otherDigits() map[string]int {
	out := map[string]int{}
	for _, c := range genuine.Currencies() {
		if d := genuine.CurrencyDigits(c); d != 2 {
			out[c] = d
		}
	}
	return out
}

// tillCurrency returns the currency a till sells in: its price list's, if
// it has one (the first, by GTIN), else the usual one of its country.
func tillCurrency(region string, prices []genuine.Price) string {
	if len(prices) > 0 {
		return prices[0].Currency
	}
	return genuine.DefaultCurrency(region)
}

// tillCheckout returns a checkout of the merchant signed in, answering
// 404 for one of another merchant's, as GetCheckout does.
func (s *Server) tillCheckout(w http.ResponseWriter, r *http.Request) (*genuine.Checkout, *genuine.Merchant, bool, error) {
	p, m, ok := s.tillSession(w, r)
	if !ok {
		return nil, nil, false, nil
	}
	c, err := s.app.GetCheckout(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return nil, nil, false, err
	}
	return c, m, true, nil
}

// tillQR handles GET /till/checkouts/{id}/qr: the PNG of the QR code the
// buyer scans to pay a checkout awaiting payment (its payment's QR, or
// else its pay URL); 404 for a checkout of another merchant or without
// either.
func (s *Server) tillQR(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
	c, _, ok, err := s.tillCheckout(w, r)
	if !ok || err != nil {
		return err
	}
	content := ""
	if c.Payment != nil {
		content = c.Payment.QR
		if content == "" {
			content = c.Payment.PayURL
		}
	}
	if content == "" {
		return genuine.Errorf(genuine.ENotFound, "checkout %s has no payment to show", c.ID)
	}
	png, err := qrcode.Encode(content, qrcode.Medium, 512)
	if err != nil {
		return genuine.Errorf(genuine.EInvalid, "the payment's code cannot be drawn as a QR code: %v", err)
	}
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(len(png)))
	w.WriteHeader(http.StatusOK)
	w.Write(png)
	return nil
}

// receiptPage is what a receipt shows.
type receiptPage struct {
	Merchant *genuine.Merchant
	Checkout *genuine.Checkout
	At       time.Time // when it was paid: genuine.Payment.PaidAt, else the checkout's last change
	Items    []receiptItem
	Refunded int64
	Provider string // the payment provider's name, in the page's language
}

// receiptItem is one line of a receipt.
type receiptItem struct {
	Name     string // the product's name, "" if unknown
	Code     string // the unit's GTIN and serial, or the code as scanned
	Price    int64
	Refunded bool
}

// tillReceipt handles GET /till/receipt/{id}: the printable receipt of a
// paid (or refunded) checkout of the merchant signed in; 404 for another
// merchant's or for one that was never paid.
func (s *Server) tillReceipt(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
	c, m, ok, err := s.tillCheckout(w, r)
	if !ok || err != nil {
		return err
	}
	switch c.Status {
	case genuine.CheckoutPaid, genuine.CheckoutRefunded, genuine.CheckoutPartiallyRefunded:
	default:
		return genuine.Errorf(genuine.ENotFound, "checkout %s was not paid: it has no receipt", c.ID)
	}
	rp := receiptPage{Merchant: m, Checkout: c, At: c.UpdatedAt, Provider: providerName(pageLang(r), c.Provider)}
	if c.Payment != nil {
		rp.Refunded = c.Payment.Refunded
		if !c.Payment.PaidAt.IsZero() {
			rp.At = c.Payment.PaidAt
		}
	}
	names := map[string]string{}
	for _, it := range c.Items {
		ri := receiptItem{Code: it.Code, Price: it.Price, Refunded: it.Refunded}
		if it.GTIN != "" {
			ri.Code = "(01)" + it.GTIN + "(21)" + it.Serial
			name, seen := names[it.GTIN]
			if !seen {
				if pr, err := s.app.PublicProduct(r.Context(), it.GTIN); err == nil {
					name = pr.Name
				} else if genuine.ErrorCode(err) != genuine.ENotFound {
					return err
				}
				names[it.GTIN] = name
			}
			ri.Name = name
		}
		rp.Items = append(rp.Items, ri)
	}
	w.Header().Set("Cache-Control", "private, no-store")
	s.pages.render(w, r, http.StatusOK, "till_receipt.html", rp)
	return nil
}

// shopQRPage is what the shop's QR page shows.
type shopQRPage struct {
	Merchant *genuine.Merchant
	URL      string
	// PNG is the QR code of URL as a data: URL, which the pages' CSP allows.
	PNG template.URL
}

// tillShopQR handles GET /till/shop-qr: a printable page with the QR code
// of the shop's self-checkout page, /shop/{merchant} at the server's
// public URL (genuine.App.BaseURL), and the shop's name. Not the origin
// the till's browser reached, which may be an address only the shop's
// network knows: shoppers' phones must reach the page, and its cookie must
// go with the products' links, which have the public URL too.
func (s *Server) tillShopQR(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
	_, m, ok := s.tillSession(w, r)
	if !ok {
		return nil
	}
	link := s.app.BaseURL() + "/shop/" + url.PathEscape(m.ID)
	png, err := qrcode.Encode(link, qrcode.Medium, 512)
	if err != nil {
		return err
	}
	s.pages.render(w, r, http.StatusOK, "till_shop_qr.html", shopQRPage{
		Merchant: m, URL: link, PNG: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)),
	})
	return nil
}

// providerName returns what a cashier calls a payment provider in language
// l: the catalogue's name, or the provider's own.
func providerName(l i18n.Lang, name string) string {
	if k := i18n.Key("provider." + name); i18n.Has(k) {
		return i18n.T(l, k)
	}
	return name
}

// maxProductNames bounds the GTINs of one request for product names.
const maxProductNames = 100

// tillProductNames handles GET /till/product-names?gtin=…&gtin=…: the
// names of the products the till's recent sales hold, by GTIN, for the
// merchant signed in (a product no brand here has is left out). Names are
// public (the resolver shows them) and cached by the App.
func (s *Server) tillProductNames(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
	if _, _, ok := s.tillSession(w, r); !ok {
		return nil
	}
	gtins := r.URL.Query()["gtin"]
	if len(gtins) > maxProductNames {
		return genuine.Errorf(genuine.EInvalid, "at most %d GTINs at once", maxProductNames)
	}
	names := make(map[string]string, len(gtins))
	for _, g := range gtins {
		pr, err := s.app.PublicProduct(r.Context(), g)
		switch genuine.ErrorCode(err) {
		case "":
			names[g] = pr.Name
		case genuine.ENotFound, genuine.EInvalid:
		default:
			return err
		}
	}
	w.Header().Set("Cache-Control", "private, max-age=300")
	return writeJSON(w, http.StatusOK, names)
}
