package genuine

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"
)

// Chaining audit records (docs/architecture.md, "The audit trail").
const (
	// auditPage is how many records one Update of ChainAudit chains.
	auditPage = 1000
	// auditSweepEvery is how often, in passes, ChainAudit looks back
	// auditLookBack for records committed after later ones were chained.
	auditSweepEvery = 10
	auditLookBack   = 30 * time.Second
	// AuditGrace is how long a record may wait to be chained before
	// VerifyAudit reports it as outside the chain.
	AuditGrace = time.Minute
)

// auditChainer is the App's state for ChainAudit.
type auditChainer struct {
	mu     sync.Mutex
	passes int
	// high is the highest record id known chained; marks remember it at
	// each pass, to look back from.
	high  int64
	marks []auditMark
}

type auditMark struct {
	at   time.Time
	high int64
}

// from returns the record id after which a pass searches: the last pass's
// high mark, or, every auditSweepEvery passes, the one at least
// auditLookBack old (0 on the first pass, and until a mark is that old).
func (c *auditChainer) from(now time.Time) int64 {
	if c.passes%auditSweepEvery != 0 {
		return c.high
	}
	var from int64
	for _, m := range c.marks {
		if now.Sub(m.at) < auditLookBack {
			break
		}
		from = m.high
	}
	return from
}

// mark remembers the high mark at now and forgets those no sweep needs.
func (c *auditChainer) mark(now time.Time) {
	c.passes++
	c.marks = append(c.marks, auditMark{now, c.high})
	for len(c.marks) > 1 && now.Sub(c.marks[1].at) >= auditLookBack {
		c.marks = c.marks[1:]
	}
}

// ChainAudit links the audit records written since its last pass into the
// hash chain and returns how many it linked. Records are chained in the
// order found, by id within a pass, each after the chain's head as stored,
// so servers sharing a database may all run it: a link made by two at once
// conflicts, and the loser's next pass finds the record chained. On
// PostgreSQL a transaction may commit a record after records with higher
// ids were chained; every auditSweepEvery passes ChainAudit looks back
// auditLookBack for those, and chains them at the head.
func (a *App) ChainAudit(ctx context.Context) (int, error) {
	c := &a.auditChain
	c.mu.Lock()
	defer c.mu.Unlock()
	from, total := c.from(a.now()), 0
	for {
		var recs []*AuditRecord
		err := a.store.Update(ctx, func(tx Tx) error {
			head, err := auditHead(ctx, tx)
			if err != nil {
				return err
			}
			c.high = max(c.high, head.RecordID)
			if recs, err = tx.UnchainedAudit(ctx, from, auditPage); err != nil || len(recs) == 0 {
				return err
			}
			links := make([]AuditLink, len(recs))
			prev, seq := head.Hash, head.Seq
			for i, r := range recs {
				seq++
				prev = AuditHash(prev, seq, r)
				links[i] = AuditLink{Seq: seq, RecordID: r.ID, Hash: prev}
			}
			return tx.ChainAudit(ctx, links)
		})
		if err != nil {
			return total, fmt.Errorf("chain audit records: %w", err)
		}
		total += len(recs)
		if len(recs) > 0 {
			from = recs[len(recs)-1].ID
			c.high = max(c.high, from)
		}
		if len(recs) < auditPage {
			break
		}
	}
	c.mark(a.now())
	return total, nil
}

// auditHead returns the chain's last link, or the zero link if the chain
// is empty.
func auditHead(ctx context.Context, tx Tx) (AuditLink, error) {
	head, err := tx.AuditHead(ctx)
	if ErrorCode(err) == ENotFound {
		return AuditLink{}, nil
	}
	return head, err
}

// RunAuditChainer runs ChainAudit every interval until ctx ends, logging
// its failures, and once more as it ends.
func (a *App) RunAuditChainer(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			// The records of the last moments are chained before the
			// server stops, rather than left to the next start.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if _, err := a.ChainAudit(ctx); err != nil {
				a.logf(ctx, "audit chainer: %v", err)
			}
			return
		case <-t.C:
			if _, err := a.ChainAudit(ctx); err != nil && ctx.Err() == nil {
				a.logf(ctx, "audit chainer: %v (tried again in %v)", err, interval)
			}
		}
	}
}

// AuditReport is what VerifyAudit found.
type AuditReport struct {
	// Chained is how many records the chain holds intact, up to the first
	// broken one; Head is the chain's hash at the last of them (nil if
	// none), which an operator may keep elsewhere to detect a chain cut
	// short later.
	Chained int64
	Head    []byte
	// Pending is how many records wait to be chained, written less than
	// AuditGrace ago.
	Pending int
	// Broken is the first broken record; nil if the trail is whole.
	Broken *AuditBreak
}

// AuditBreak names the first record at which the audit trail is broken,
// and why.
type AuditBreak struct {
	Seq      int64 // its place in the chain; 0 if it is outside the chain
	RecordID int64 // 0 if no record is named
	Reason   string
}

// VerifyAudit walks the audit trail, in one View, and reports the first
// broken record: a link missing from the chain, a chained record deleted,
// a record whose content or place does not give its link's hash (edited,
// or put in the chain by hand), or a record left outside the chain longer
// than AuditGrace (added by hand, or whose chaining failed).
func (a *App) VerifyAudit(ctx context.Context) (*AuditReport, error) {
	rep := &AuditReport{}
	now := a.Now()
	err := a.store.View(ctx, func(tx Tx) error {
		rep.Chained, rep.Head, rep.Pending, rep.Broken = 0, nil, 0, nil
		var after int64
		for rep.Broken == nil {
			links, err := tx.AuditChain(ctx, after, auditPage)
			if err != nil {
				return err
			}
			for _, l := range links {
				if rep.Broken = checkLink(rep.Head, after, l); rep.Broken != nil {
					break
				}
				rep.Chained, rep.Head, after = rep.Chained+1, l.Hash, l.Seq
			}
			if len(links) < auditPage {
				break
			}
		}
		var from int64
		for rep.Broken == nil {
			recs, err := tx.UnchainedAudit(ctx, from, auditPage)
			if err != nil {
				return err
			}
			for _, r := range recs {
				if now.Sub(r.At) >= AuditGrace {
					rep.Broken = &AuditBreak{RecordID: r.ID, Reason: fmt.Sprintf(
						"record %d (%s, written %s) is not in the chain", r.ID, r.Action, r.At.Format(time.RFC3339))}
					break
				}
				rep.Pending++
			}
			if len(recs) < auditPage {
				break
			}
			from = recs[len(recs)-1].ID
		}
		return nil
	})
	return rep, err
}

// checkLink checks a chained record against the chain's hash at the link
// before it (prev, at position prevSeq).
func checkLink(prev []byte, prevSeq int64, l AuditEntry) *AuditBreak {
	brk := &AuditBreak{Seq: l.Seq, RecordID: l.RecordID}
	switch {
	case l.Seq != prevSeq+1:
		brk.Reason = fmt.Sprintf("the chain goes from link %d to link %d: link %d was deleted", prevSeq, l.Seq, prevSeq+1)
	case l.Record == nil:
		brk.Reason = fmt.Sprintf("record %d (link %d) was deleted", l.RecordID, l.Seq)
	case !bytes.Equal(AuditHash(prev, l.Seq, l.Record), l.Hash):
		brk.Reason = fmt.Sprintf("record %d (link %d, %s) does not match its hash: it was edited, or its link was", l.RecordID, l.Seq, l.Record.Action)
	default:
		return nil
	}
	return brk
}

// AuditEntry is a link of the audit chain with its record (nil if the
// record is missing).
type AuditEntry struct {
	AuditLink
	Record *AuditRecord
}
