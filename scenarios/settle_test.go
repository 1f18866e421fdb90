package scenarios

import (
	"testing"
	"time"

	"github.com/archbench/archbench/broker"
	"github.com/archbench/archbench/variants/hybrid"
	"github.com/archbench/archbench/variants/serverless"
)

// TestAuditOutwaitsConfirmationRecovery holds the audit's settle wait to
// the slowest way a confirmation still arrives: an order.placed event that
// a function platform dead-lettered (the service it calls was down) is
// delivered again only by a sweep that re-publishes it once the stream has
// forgotten its message ID, so after the duplicate window and up to one
// sweep interval more, plus the delivery itself. A window as long as the
// stream once had (two minutes) would fail every audit after such a crash.
func TestAuditOutwaitsConfirmationRecovery(t *testing.T) {
	const delivery = 5 * time.Second // a cold start on a slow host, and the call
	for name, sweep := range map[string]time.Duration{
		"hybrid core's re-publication": hybrid.RepublishEvery,
		"serverless sweeper":           serverless.DefaultSweepEvery,
	} {
		if worst := broker.DuplicateWindow + sweep + delivery; worst > auditSettle {
			t.Errorf("%s: a dead-lettered confirmation arrives up to %s after its first publication (window %s + sweep %s + delivery %s), after the audit's %s settle wait",
				name, worst, broker.DuplicateWindow, sweep, delivery, auditSettle)
		}
	}
}
