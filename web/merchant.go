package web

import (
	"encoding/json"
	"net/http"

	"genuine"
)

// merchantRequest is the body of POST /v1/merchants.
type merchantRequest struct {
	Name     string   `json:"name"`
	Region   string   `json:"region"`
	Lat      *float64 `json:"lat"`
	Lon      *float64 `json:"lon"`
	TimeZone string   `json:"time_zone"`
}

// createMerchant handles POST /v1/merchants.
func (s *Server) createMerchant(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	var req merchantRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	m := &genuine.Merchant{Name: req.Name, Region: req.Region, Lat: req.Lat, Lon: req.Lon, TimeZone: req.TimeZone}
	if err := s.app.CreateMerchant(r.Context(), p, m); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, m)
}

// getMerchant handles GET /v1/merchants/{id}.
func (s *Server) getMerchant(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	m, err := s.app.Merchant(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, m)
}

// putProviderAccount handles PUT /v1/merchants/{id}/providers/{name}: the
// merchant's account at a payment provider, its settings as the body (a
// JSON object whose members the provider names). The answer shows them
// masked.
func (s *Server) putProviderAccount(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	var settings json.RawMessage
	if err := s.decode(w, r, &settings); err != nil {
		return err
	}
	acct, err := s.app.PutProviderAccount(r.Context(), p, r.PathValue("id"), r.PathValue("name"), settings)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, acct)
}

// listProviderAccounts handles GET /v1/merchants/{id}/providers.
func (s *Server) listProviderAccounts(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	accts, err := s.app.ProviderAccounts(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	if accts == nil {
		accts = []*genuine.ProviderAccount{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"accounts": accts})
}

// deleteProviderAccount handles DELETE /v1/merchants/{id}/providers/{name}.
func (s *Server) deleteProviderAccount(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	if err := s.app.DeleteProviderAccount(r.Context(), p, r.PathValue("id"), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// putPrices handles PUT /v1/merchants/{id}/prices: the body, a list of
// {"gtin", "price", "currency"}, replaces the merchant's price list. The
// answer is the list as stored, by GTIN.
func (s *Server) putPrices(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	var prices []genuine.Price
	if err := s.decode(w, r, &prices); err != nil {
		return err
	}
	if prices == nil {
		return genuine.Errorf(genuine.EInvalid, "the body must be a list of prices, [] for none")
	}
	list, err := s.app.SetPrices(r.Context(), p, r.PathValue("id"), prices)
	if err != nil {
		return err
	}
	return writePrices(w, list)
}

// getPrices handles GET /v1/merchants/{id}/prices.
func (s *Server) getPrices(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	list, err := s.app.Prices(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writePrices(w, list)
}

func writePrices(w http.ResponseWriter, list []genuine.Price) error {
	if list == nil {
		list = []genuine.Price{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"prices": list})
}

// putSelfCheckout handles PUT /v1/merchants/{id}/self-checkout, {"enabled",
// "max_open_carts"}: whether shoppers may scan and pay on their phones at
// /shop/{id}, and how many carts may be open there at once (0 or absent
// for the server's default). The answer is the merchant.
func (s *Server) putSelfCheckout(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	var sc genuine.SelfCheckout
	if err := s.decode(w, r, &sc); err != nil {
		return err
	}
	m, err := s.app.SetSelfCheckout(r.Context(), p, r.PathValue("id"), sc)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, m)
}
