package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"genuine"
)

// A shop session's hash stands for a secret: no message names it.

const insertShopSession = `
	INSERT INTO shop_sessions (hash, merchant_id, created_at, expires_at)
	VALUES ($1, $2, $3, $4)`

// CreateShopSession inserts a shopper's session; EConflict if its hash
// exists, ENotFound if its merchant does not.
func (t *tx) CreateShopSession(ctx context.Context, s *genuine.ShopSession) error {
	_, err := t.exec(ctx, insertShopSession, s.Hash, s.MerchantID, s.CreatedAt, s.ExpiresAt)
	return storeError(err, "shop session at merchant %s", s.MerchantID)
}

const selectShopSession = `
	SELECT hash, merchant_id, created_at, expires_at
	FROM shop_sessions
	WHERE hash = $1`

// ShopSession returns the shop session with the given token hash.
func (t *tx) ShopSession(ctx context.Context, hash []byte) (*genuine.ShopSession, error) {
	var s genuine.ShopSession
	err := t.queryRow(ctx, selectShopSession, hash).Scan(&s.Hash, &s.MerchantID, &s.CreatedAt, &s.ExpiresAt)
	if err != nil {
		return nil, storeError(err, "shop session")
	}
	return &s, nil
}

// cartColumns are the columns scanCart reads, in its order.
const cartColumns = `id, session_hash, merchant_id, status, currency, items, attempt, checkout_id,
	created_at, updated_at, expires_at`

const insertCart = `
	INSERT INTO carts (` + cartColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`

// CreateCart inserts a cart; EConflict if its id exists, ENotFound if its
// session or merchant does not.
func (t *tx) CreateCart(ctx context.Context, c *genuine.Cart) error {
	items, err := cartItemsValue(c.Items)
	if err != nil {
		return fmt.Errorf("cart %s: %w", c.ID, err)
	}
	_, err = t.exec(ctx, insertCart, c.ID, c.Session, c.MerchantID, c.Status, c.Currency, items, c.Attempt,
		c.CheckoutID, c.CreatedAt, c.UpdatedAt, c.ExpiresAt)
	return storeError(err, "cart %s", c.ID)
}

const updateCart = `
	UPDATE carts
	SET status = $1, currency = $2, items = $3, attempt = $4, checkout_id = $5, updated_at = $6, expires_at = $7
	WHERE id = $8`

// UpdateCart writes a cart's status, currency, items, attempt, checkout
// id, UpdatedAt and ExpiresAt; ENotFound if there is no such cart.
func (t *tx) UpdateCart(ctx context.Context, c *genuine.Cart) error {
	items, err := cartItemsValue(c.Items)
	if err != nil {
		return fmt.Errorf("cart %s: %w", c.ID, err)
	}
	tag, err := t.exec(ctx, updateCart, c.Status, c.Currency, items, c.Attempt, c.CheckoutID,
		c.UpdatedAt, c.ExpiresAt, c.ID)
	return updated(tag, err, "cart %s", c.ID)
}

const selectCarts = `
	SELECT ` + cartColumns + `
	FROM carts
	WHERE session_hash = $1
	ORDER BY created_at DESC, id DESC`

// Carts returns a shop session's carts, newest first.
func (t *tx) Carts(ctx context.Context, session []byte) ([]*genuine.Cart, error) {
	rows, err := t.query(ctx, selectCarts, session)
	if err != nil {
		return nil, storeError(err, "carts")
	}
	defer rows.Close()
	var cs []*genuine.Cart
	for rows.Next() {
		var (
			c     genuine.Cart
			items string
		)
		err := rows.Scan(&c.ID, &c.Session, &c.MerchantID, &c.Status, &c.Currency, &items, &c.Attempt,
			&c.CheckoutID, &c.CreatedAt, &c.UpdatedAt, &c.ExpiresAt)
		if err != nil {
			return nil, storeError(err, "carts")
		}
		if err := json.Unmarshal([]byte(items), &c.Items); err != nil {
			// %v, not %w: a damaged row is an internal error, not the caller's EInvalid.
			return nil, fmt.Errorf("cart %s: stored items: %v", c.ID, err)
		}
		cs = append(cs, &c)
	}
	return cs, storeError(rows.Err(), "carts")
}

// countOpenCarts names the condition of the partial index carts_open.
const countOpenCarts = `
	SELECT count(*)
	FROM carts
	WHERE merchant_id = $1 AND status IN ('open', 'paying') AND expires_at > $2`

// CountOpenCarts returns how many carts of a merchant are open or paying
// and expire after now.
func (t *tx) CountOpenCarts(ctx context.Context, merchantID string, now time.Time) (int, error) {
	var n int
	if err := t.queryRow(ctx, countOpenCarts, merchantID, now).Scan(&n); err != nil {
		return 0, storeError(err, "open carts of merchant %s", merchantID)
	}
	return n, nil
}

// pruneShopCarts and pruneShopSessions delete the same sessions' carts, then
// the sessions: those that expired first, at most a page.
const pruneShopCarts = `
	DELETE FROM carts
	WHERE session_hash IN (
		SELECT hash FROM shop_sessions
		WHERE expires_at < $1
		ORDER BY expires_at, hash
		LIMIT $2)`

const pruneShopSessions = `
	DELETE FROM shop_sessions
	WHERE hash IN (
		SELECT hash FROM shop_sessions
		WHERE expires_at < $1
		ORDER BY expires_at, hash
		LIMIT $2)`

// PruneShopSessions deletes at most limit shop sessions that expired
// before the given time, oldest first, with their carts, and returns how
// many sessions it deleted.
func (t *tx) PruneShopSessions(ctx context.Context, before time.Time, limit int) (int, error) {
	if _, err := t.exec(ctx, pruneShopCarts, before, limit); err != nil {
		return 0, storeError(err, "prune carts")
	}
	return t.prune(ctx, pruneShopSessions, "shop sessions", before, limit)
}

// cartItemsValue returns the JSON document a cart's items are stored as.
func cartItemsValue(items []genuine.CartUnit) (string, error) {
	if items == nil {
		items = []genuine.CartUnit{}
	}
	b, err := json.Marshal(items)
	if err != nil {
		return "", fmt.Errorf("items: %w", err)
	}
	return string(b), nil
}
