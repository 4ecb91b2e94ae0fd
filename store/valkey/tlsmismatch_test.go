package valkey_test

import (
	"context"
	"strings"
	"testing"
	"time"

	vk "github.com/valkey-io/valkey-go"

	"github.com/batonbot/baton/store/valkey"
	"github.com/batonbot/baton/store/valkey/valkeytest"
)

// A TLS URL pointed at a server without TLS fails with what to check, not
// only "context deadline exceeded".
func TestTLSURLOnPlainServer(t *testing.T) {
	srv := valkeytest.Start(t)
	for _, scheme := range []string{"valkeys://", "rediss://"} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		start := time.Now()
		// A short dial timeout keeps the test quick; the default waits 5 s.
		s, err := valkey.NewStore(ctx, scheme+srv.Addr, valkey.WithClientOption(func(o *vk.ClientOption) { o.Dialer.Timeout = time.Second }))
		cancel()
		if err == nil {
			s.Close()
			t.Fatalf("%s: connected", scheme)
		}
		t.Logf("%s after %v: %v", scheme, time.Since(start), err)
		if !strings.Contains(err.Error(), "TLS") || !strings.Contains(err.Error(), "redis://") {
			t.Errorf("%s: the error does not say to check TLS: %v", scheme, err)
		}
	}
}
