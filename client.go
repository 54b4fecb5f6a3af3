package genuine

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"sync"
)

// ClientHash names a client that verified a unit: a keyed hash (HMAC-SHA256,
// truncated) of its address, so that the store counts distinct clients
// without holding any address.
type ClientHash [16]byte

// clientKey is the context key of a verification's client.
type clientKey struct{}

// WithClient returns a copy of ctx that names the client a public
// verification comes from, such as its IP address (the HTTP layer's, as
// its rate limits see it). The velocity rule counts the distinct clients
// that verified a unit; a verification whose ctx names none counts as a
// client of its own.
func WithClient(ctx context.Context, client string) context.Context {
	return context.WithValue(ctx, clientKey{}, client)
}

// clientHasher hashes clients' addresses under the App's client key.
type clientHasher struct {
	pool sync.Pool // of keyed hash.Hash
}

func newClientHasher(key []byte) *clientHasher {
	key = append([]byte(nil), key...)
	return &clientHasher{pool: sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}}
}

// of returns the hash of the client ctx names, nil if it names none.
func (h *clientHasher) of(ctx context.Context) *ClientHash {
	client, _ := ctx.Value(clientKey{}).(string)
	if client == "" {
		return nil
	}
	m := h.pool.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(client))
	var sum [sha256.Size]byte
	var c ClientHash
	copy(c[:], m.Sum(sum[:0]))
	h.pool.Put(m)
	return &c
}
