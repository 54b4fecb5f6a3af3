package genuine

import (
	"testing"
	"time"
)

// The chainer searches after the last pass's high mark, and every
// auditSweepEvery passes after the mark of at least auditLookBack ago, so
// that records committed after later ones were chained are found.
func TestAuditChainerLooksBack(t *testing.T) {
	var c auditChainer
	start := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	if from := c.from(start); from != 0 {
		t.Fatalf("first pass searches after %d, want 0 (everything)", from)
	}
	for i := range 3 * auditSweepEvery {
		now := start.Add(time.Duration(i) * 5 * time.Second)
		from := c.from(now)
		switch {
		case i == 0:
		case c.passes%auditSweepEvery != 0 && from != c.high:
			t.Errorf("pass %d searches after %d, want the high mark %d", i, from, c.high)
		case c.passes%auditSweepEvery == 0 && from != int64(100*(i-5)):
			// Marks are 5 s apart: the one 30 s back is pass i-6's, whose high mark is 100(i-5).
			t.Errorf("sweep at pass %d searches after %d, want %d", i, from, 100*(i-5))
		}
		c.high = int64(100 * (i + 1))
		c.mark(now)
	}
	if len(c.marks) > int(auditLookBack/(5*time.Second))+2 {
		t.Errorf("%d marks kept", len(c.marks))
	}
}
