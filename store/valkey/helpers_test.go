package valkey

import (
	"context"
	"os"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/batonbot/baton/store/valkey/valkeytest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	valkeytest.StopShared()
	os.Exit(code)
}

var kinds = []string{"single", "cluster"}

var prefixes atomic.Int64

// open returns a store on the package's shared server or cluster (kind
// "single" or "cluster"), under a key prefix of its own.
func open(t testing.TB, kind string, opts ...Option) *Store {
	t.Helper()
	url := valkeytest.Shared(t)
	if kind == "cluster" {
		url = valkeytest.SharedCluster(t)
	}
	prefix := "t" + strconv.FormatInt(prefixes.Add(1), 10) + "-" + strconv.Itoa(os.Getpid())
	s, err := NewStore(context.Background(), url, append([]Option{WithPrefix(prefix), WithSweepEvery(0)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
