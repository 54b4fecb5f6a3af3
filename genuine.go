// Package genuine is the domain of genuine, the service that lets only
// genuine goods be paid for: brands, products, batches and their units,
// merchants, the codes printed on units, the lifecycle of a unit from
// commissioning to sale, supply-chain events, and the App that holds every
// business rule. Storage and transport live in other packages (sqlite, web)
// behind the Store interface defined here.
//
// The package imports only the standard library and gs1.
package genuine

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"
)

// idEncoding writes identifiers in lower-case Crockford-style base32,
// without padding: safe in URLs and easy to read aloud.
var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// newID returns an identifier with a prefix that names its kind, such as
// "chk_01k3x9…": the time in milliseconds (48 bits) then 48 random bits,
// in an encoding that sorts as the bytes do. Identifiers made later sort
// later, so a table's new rows go to the end of its primary key's index:
// a commit of many checkouts writes a few index pages, not one per row, on
// SQLite and PostgreSQL alike. 48 random bits a millisecond still leave
// identifiers impossible to guess or enumerate; they do tell when a thing
// was made, which its created_at says anyway.
func newID(prefix string) string {
	var b [12]byte
	ms := uint64(time.Now().UnixMilli())
	for i := range 6 {
		b[i] = byte(ms >> (8 * (5 - i)))
	}
	if _, err := rand.Read(b[6:]); err != nil {
		panic("genuine: no randomness: " + err.Error())
	}
	return prefix + "_" + idEncoding.EncodeToString(b[:])
}

// validID reports whether s looks like an identifier of the given kind; it
// keeps garbage out of store look-ups and error messages.
func validID(s, prefix string) bool {
	rest, ok := strings.CutPrefix(s, prefix+"_")
	if !ok || len(rest) != 20 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if !strings.ContainsRune("0123456789abcdefghjkmnpqrstvwxyz", rune(rest[i])) {
			return false
		}
	}
	return true
}
