package web

import (
	"net/http"
	"net/url"
	"time"

	"genuine"
	"genuine/web/i18n"
)

// shopCookie names the cookie that holds a shopper's shop session token
// (genuine.App.OpenShop). It is SameSite=Lax, not Strict as the browser
// session's: a phone's camera app opens a product's link as a cross-site
// navigation, on which a Strict cookie is not sent, and the resolver adds
// that product to the cart only if the cookie comes with it. It opens
// nothing but the session's own carts.
const shopCookie = "genuine_shop"

// shopCookieFor returns the shop session cookie holding token for maxAge
// seconds; a negative maxAge deletes it. It is Secure when the browser
// reached the server over HTTPS.
func (s *Server) shopCookieFor(r *http.Request, token string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: shopCookie, Value: token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.https(r), SameSite: http.SameSiteLaxMode,
	}
}

// shopToken returns the request's shop session token, "" without one.
func shopToken(r *http.Request) string {
	c, err := r.Cookie(shopCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// openShop opens a shop session at the request's merchant and sets its
// cookie; it returns the token.
func (s *Server) openShop(w http.ResponseWriter, r *http.Request) (string, error) {
	token, session, err := s.app.OpenShop(r.Context(), r.PathValue("merchant"))
	if err != nil {
		return "", err
	}
	http.SetCookie(w, s.shopCookieFor(r, token, int(session.ExpiresAt.Sub(session.CreatedAt)/time.Second)))
	return token, nil
}

// shopPageData is what the shop page shows: the shop, and what its script
// starts from.
type shopPageData struct {
	Shop   *genuine.Shop
	Script shopScript
}

// shopScript is the shop page's data for its script (static/shop.js): the
// shop, the cart, the words it shows in the page's language, and the URL
// of the QR reader it loads when the camera is asked for.
type shopScript struct {
	Shop  string            `json:"shop"`
	Cart  shopCartJSON      `json:"cart"`
	Words map[string]string `json:"words"`
	JSQR  string            `json:"jsqr"`
	Lang  i18n.Lang         `json:"lang"`
}

// shopPage handles GET /shop/{merchant}: the shop page, where a shopper
// scans products and pays. Without a live session at the shop it opens
// one and sets its cookie. A merchant that does not offer self-checkout
// answers 403, one that does not exist 404, as a page.
func (s *Server) shopPage(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
	id := r.PathValue("merchant")
	cart, err := s.app.ShopCart(r.Context(), shopToken(r), id)
	if genuine.ErrorCode(err) == genuine.EUnauthorized {
		var token string
		if token, err = s.openShop(w, r); err == nil {
			cart, err = s.app.ShopCart(r.Context(), token, id)
		}
	}
	if err != nil {
		return err
	}
	l := pageLang(r)
	jsqr := "/static/vendor/jsqr.js"
	if _, ok := staticFiles["vendor/jsqr.js"]; ok {
		jsqr = staticURL("vendor/jsqr.js")
	}
	w.Header().Set("Cache-Control", "no-store")
	s.pages.render(w, r, http.StatusOK, "shop.html", shopPageData{
		Shop:   cart.Shop,
		Script: shopScript{Shop: id, Cart: cartJSON(l, cart), Words: shopWords(l), JSQR: jsqr, Lang: l},
	})
	return nil
}

// shopCart handles GET /shop/{merchant}/cart: the session's cart, which
// the page polls while it is paid for. 401 without a live session.
func (s *Server) shopCart(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
	cart, err := s.app.ShopCart(r.Context(), shopToken(r), r.PathValue("merchant"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, cartJSON(pageLang(r), cart))
}

// shopCodeRequest is the body of POST /shop/{merchant}/add and /remove.
type shopCodeRequest struct {
	Code string `json:"code"`
}

// shopAddJSON is the answer of POST /shop/{merchant}/add.
type shopAddJSON struct {
	Item      shopItemJSON `json:"item"`
	Added     bool         `json:"added"`
	Duplicate bool         `json:"duplicate,omitempty"`
	Cart      shopCartJSON `json:"cart"`
}

// shopAdd handles POST /shop/{merchant}/add, {"code"}: the unit decided
// and, if it passes, added to the cart (genuine.App.AddToCart). A refused
// unit is 200 too, with added false and the reason in the shopper's
// words. Without a live session it opens one.
func (s *Server) shopAdd(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
	var req shopCodeRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	add, err := s.app.AddToCart(r.Context(), shopToken(r), r.PathValue("merchant"), req.Code)
	if genuine.ErrorCode(err) == genuine.EUnauthorized {
		var token string
		if token, err = s.openShop(w, r); err == nil {
			add, err = s.app.AddToCart(r.Context(), token, r.PathValue("merchant"), req.Code)
		}
	}
	if err != nil {
		return err
	}
	l := pageLang(r)
	return writeJSON(w, http.StatusOK, shopAddJSON{
		Item: itemJSON(l, add.Item, add.Currency), Added: add.Added, Duplicate: add.Duplicate, Cart: cartJSON(l, add.Cart),
	})
}

// shopRemove handles POST /shop/{merchant}/remove, {"code"}: the unit of
// the code, as added, taken out of the cart.
func (s *Server) shopRemove(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
	var req shopCodeRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	cart, err := s.app.RemoveFromCart(r.Context(), shopToken(r), r.PathValue("merchant"), req.Code)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, cartJSON(pageLang(r), cart))
}

// shopPayJSON is the answer of POST /shop/{merchant}/pay: the checkout,
// as a shopper sees it, and the cart as it now is.
type shopPayJSON struct {
	*shopCheckoutJSON
	Cart shopCartJSON `json:"cart"`
}

// shopPay handles POST /shop/{merchant}/pay: the cart's checkout, 201
// awaiting payment (its payment says where the shopper pays) or 422
// refused (the cart is open again, the refused units marked).
func (s *Server) shopPay(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
	cart, k, err := s.app.PayCart(r.Context(), shopToken(r), r.PathValue("merchant"))
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if k.Status == genuine.CheckoutRefused {
		status = http.StatusUnprocessableEntity
	}
	return writeJSON(w, status, shopPayJSON{shopCheckoutJSON: shopCheckout(k), Cart: cartJSON(pageLang(r), cart)})
}

// shopScan is the resolver's hook for a shopper who is shopping: a page
// request for a product's link that carries a live shop session's cookie
// adds the unit to that session's cart and answers 303 to the shop page
// (with ?scan= the code, for the page to show why, if it was refused or
// the cart could take no more: full, too many carts, the shop busy). It
// reports whether it answered; without a live session, or if the unit
// could not be decided, the resolver answers as it would anyway.
func (s *Server) shopScan(w http.ResponseWriter, r *http.Request, code string) bool {
	token := shopToken(r)
	if token == "" || r.Method != http.MethodGet || prefersJSON(r) {
		return false
	}
	merchantID, err := s.app.ShopSessionMerchant(r.Context(), token)
	if err != nil {
		return false
	}
	add, err := s.app.AddToCart(r.Context(), token, merchantID, code)
	to := "/shop/" + url.PathEscape(merchantID)
	switch genuine.ErrorCode(err) {
	case "":
		if !add.Added && !add.Duplicate {
			to += "?scan=" + url.QueryEscape(code)
		}
	case genuine.ECartFull, genuine.ETooManyCarts, genuine.EShopBusy, genuine.EConflict:
		// The shop page scans it again and says why in the shopper's words.
		to += "?scan=" + url.QueryEscape(code)
	default:
		return false
	}
	seeOther(w, to)
	return true
}
