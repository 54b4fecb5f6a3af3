package sqlite

import (
	"context"
	"encoding/json"

	"genuine"
)

const accountColumns = `merchant_id, provider, mode, account, masked, settings, created_at, updated_at`

const selectProviderAccount = `SELECT ` + accountColumns + ` FROM provider_accounts WHERE merchant_id = ? AND provider = ?`

// ProviderAccount returns a merchant's account at a payment provider.
func (t *tx) ProviderAccount(ctx context.Context, merchantID, provider string) (*genuine.ProviderAccount, error) {
	a, err := scanAccount(t.queryRow(ctx, selectProviderAccount, merchantID, provider))
	return a, storeError(err, "account of merchant %s at %s", merchantID, provider)
}

const upsertProviderAccount = `
	INSERT INTO provider_accounts (` + accountColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (merchant_id, provider) DO UPDATE SET mode = excluded.mode, account = excluded.account,
		masked = excluded.masked, settings = excluded.settings, updated_at = excluded.updated_at`

// PutProviderAccount stores a merchant's account at a provider.
func (t *tx) PutProviderAccount(ctx context.Context, a *genuine.ProviderAccount) error {
	masked, err := json.Marshal(a.Masked)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, upsertProviderAccount, a.MerchantID, a.Provider, string(a.Mode), a.Account, string(masked),
		a.Settings, timeValue(a.CreatedAt), timeValue(a.UpdatedAt))
	return storeError(err, "account of merchant %s at %s", a.MerchantID, a.Provider)
}

const selectProviderAccounts = `SELECT ` + accountColumns + ` FROM provider_accounts
	WHERE ? = '' OR merchant_id = ? ORDER BY merchant_id, provider`

// ProviderAccounts returns a merchant's accounts, or every merchant's.
func (t *tx) ProviderAccounts(ctx context.Context, merchantID string) ([]*genuine.ProviderAccount, error) {
	rows, err := t.query(ctx, selectProviderAccounts, merchantID, merchantID)
	if err != nil {
		return nil, storeError(err, "accounts of merchant %s", merchantID)
	}
	defer rows.Close()
	var out []*genuine.ProviderAccount
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, storeError(err, "accounts of merchant %s", merchantID)
		}
		out = append(out, a)
	}
	return out, storeError(rows.Err(), "accounts of merchant %s", merchantID)
}

const deleteProviderAccount = `DELETE FROM provider_accounts WHERE merchant_id = ? AND provider = ?`

// DeleteProviderAccount deletes a merchant's account at a provider.
func (t *tx) DeleteProviderAccount(ctx context.Context, merchantID, provider string) error {
	res, err := t.exec(ctx, deleteProviderAccount, merchantID, provider)
	if err != nil {
		return storeError(err, "account of merchant %s at %s", merchantID, provider)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return genuine.Errorf(genuine.ENotFound, "account of merchant %s at %s not found", merchantID, provider)
	}
	return nil
}

func scanAccount(row interface{ Scan(...any) error }) (*genuine.ProviderAccount, error) {
	var a genuine.ProviderAccount
	var mode, masked string
	if err := row.Scan(&a.MerchantID, &a.Provider, &mode, &a.Account, &masked, &a.Settings,
		scanTime(&a.CreatedAt), scanTime(&a.UpdatedAt)); err != nil {
		return nil, err
	}
	a.Mode = genuine.AccountMode(mode)
	if err := json.Unmarshal([]byte(masked), &a.Masked); err != nil {
		return nil, err
	}
	return &a, nil
}
