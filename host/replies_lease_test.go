package host

import (
	"testing"

	"github.com/batonbot/baton/config"
)

// config.MinLease refuses a server.lease a reply's send and settle could
// outlast: it must cover them.
func TestMinLeaseCoversASend(t *testing.T) {
	if config.MinLease < replyTimeout+settleTimeout {
		t.Errorf("config.MinLease %v is shorter than a reply's send and settle, %v", config.MinLease, replyTimeout+settleTimeout)
	}
}
