package genuine

import (
	"context"

	"genuine/gs1"
)

// CodeSink receives the codes of a batch, one unit at a time, in order of
// sequence number. serial and code are only valid during the call.
type CodeSink func(seq int64, serial, code []byte) error

// WriteCodes streams the codes of a batch to sink: each unit's serial and
// its Digital Link URI. Minted codes are computed, not read, so memory stays
// constant however large the batch; progress, if not nil, is called every
// so often with the number of codes written. A brand runs at most
// Limits.MaxExports exports at once on one server; beyond that WriteCodes
// fails with ERateLimited and a RetryAfter.
func (a *App) WriteCodes(ctx context.Context, p *Principal, batchID string, sink CodeSink, progress func(done, total int64)) error {
	b, err := a.Batch(ctx, p, batchID)
	if err != nil {
		return err
	}
	if p.Role == RolePartner {
		return Errorf(EForbidden, "only the brand exports its codes")
	}
	done, err := a.exports.take(b.BrandID, "exports of codes")
	if err != nil {
		return err
	}
	defer done()
	bk, err := a.brandKeys(ctx, b.BrandID, b.KeyID)
	if err != nil {
		return err
	}
	if b.Serials == SerialsRegistered {
		return a.writeRegisteredCodes(ctx, b, bk.rule, sink, progress)
	}
	signer := bk.signers[b.KeyID]
	if signer == nil {
		return Errorf(EInternal, "batch %s: signing key %d missing", b.ID, b.KeyID)
	}
	f, err := a.newCodeFormat(b, bk.rule, signer.Serial(b.GTIN, uint64(b.FirstSeq)))
	if err != nil {
		return err
	}
	serial := make([]byte, 0, SerialLen)
	code := make([]byte, 0, len(f.prefix)+SerialLen+len(f.suffix))
	for i := int64(0); i < b.Quantity; i++ {
		if i%progressEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if progress != nil && i > 0 {
				progress(i, b.Quantity)
			}
		}
		seq := b.FirstSeq + i
		serial = signer.AppendSerial(serial[:0], b.GTIN, uint64(seq))
		code = f.appendCode(code[:0], serial)
		if err := sink(seq, serial, code); err != nil {
			return err
		}
	}
	if progress != nil {
		progress(b.Quantity, b.Quantity)
	}
	return nil
}

// progressEvery is how often WriteCodes reports progress and checks for
// cancellation.
const progressEvery = 1 << 16

// writeRegisteredCodes streams the codes of a batch of registered serials,
// as far as they are registered.
func (a *App) writeRegisteredCodes(ctx context.Context, b *Batch, rule CodeRule, sink CodeSink, progress func(done, total int64)) error {
	stem := rule.LinkStem
	if stem == "" {
		stem = a.baseURL
	}
	var n int64
	return a.store.View(ctx, func(tx Tx) error {
		return tx.RegisteredSerials(ctx, b.ID, func(seq int64, serial string) error {
			data := "(01)" + b.GTIN
			if rule.LotInLink {
				data += "(10)" + escapeBracketed(b.Lot)
			}
			data += "(21)" + escapeBracketed(serial)
			if rule.ExpiryInLink {
				data += "(17)" + b.Expiry.YYMMDD()
			}
			msg, err := gs1.ParseBracketed(data)
			if err != nil {
				return err
			}
			code, err := msg.DigitalLink(stem)
			if err != nil {
				return err
			}
			if n++; progress != nil && n%progressEvery == 0 {
				progress(n, b.Quantity)
			}
			return sink(seq, []byte(serial), []byte(code))
		})
	})
}

func escapeBracketed(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '(' {
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return string(out)
}
