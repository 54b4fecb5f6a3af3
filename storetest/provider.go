package storetest

import (
	"bytes"
	"testing"

	"genuine"
)

// providerRecord reads a provider's record in a View of its own.
func providerRecord(t *testing.T, s genuine.Store, provider, key string) ([]byte, error) {
	var data []byte
	err := s.View(t.Context(), func(tx genuine.Tx) (err error) {
		data, err = tx.ProviderRecord(t.Context(), provider, key)
		return err
	})
	return data, err
}

// putProviderRecord writes a provider's record in an Update of its own.
func putProviderRecord(t *testing.T, s genuine.Store, provider, key string, data []byte) {
	t.Helper()
	update(t, s, func(tx genuine.Tx) error { return tx.PutProviderRecord(t.Context(), provider, key, data) })
}

func testProviderRecords(t *testing.T, s genuine.Store) {
	_, err := providerRecord(t, s, "simulated", "pay_1")
	wantNotFound(t, "ProviderRecord of a missing key", err, "pay_1")

	first := []byte(`{"status":"pending"}`)
	putProviderRecord(t, s, "simulated", "pay_1", first)
	putProviderRecord(t, s, "stripe", "pay_1", []byte{0, 1, 2, 0xff}) // another provider's, any bytes
	putProviderRecord(t, s, "simulated", "pay_2", []byte{})
	second := []byte(`{"status":"paid"}`)
	putProviderRecord(t, s, "simulated", "pay_1", second) // replaces

	for _, tt := range []struct {
		provider, key string
		want          []byte
	}{
		{"simulated", "pay_1", second},
		{"stripe", "pay_1", []byte{0, 1, 2, 0xff}},
		{"simulated", "pay_2", []byte{}},
	} {
		got, err := providerRecord(t, s, tt.provider, tt.key)
		if err != nil {
			t.Errorf("ProviderRecord(%s, %s): %v", tt.provider, tt.key, err)
			continue
		}
		if !bytes.Equal(got, tt.want) {
			t.Errorf("ProviderRecord(%s, %s) = %q, want %q", tt.provider, tt.key, got, tt.want)
		}
	}
	_, err = providerRecord(t, s, "stripe", "pay_2")
	wantNotFound(t, "ProviderRecord of another provider's key", err, "pay_2")
}
