package genuine

import "testing"

func TestURIHost(t *testing.T) {
	for _, c := range []struct{ uri, host string }{
		{"https://id.brand.example/01/09520123456788/21/X", "id.brand.example"},
		{"HTTP://ID.Brand.Example:8080/01/1", "ID.Brand.Example"},
		{"https://user@id.brand.example./p", "id.brand.example"},
		{"https://id.brand.example?x=1", "id.brand.example"},
		{"https://[2001:db8::1]:443/01/1", "[2001:db8::1]"},
		{"https://[2001:db8::1]/01/1", "[2001:db8::1]"},
		{"(01)09520123456788(21)X", ""},
		{"ftp://id.brand.example/01/1", ""},
		{"https://", ""},
	} {
		if got := uriHost(c.uri); got != c.host {
			t.Errorf("uriHost(%q) = %q, want %q", c.uri, got, c.host)
		}
	}
}
