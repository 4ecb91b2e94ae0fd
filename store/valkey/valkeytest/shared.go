package valkeytest

import (
	"os"
	"sync"
	"testing"
)

// A package's tests may share one server and one cluster, started on first
// use and stopped by StopShared (call it from TestMain after m.Run); each
// test then keeps to a key prefix of its own.
var shared struct {
	mu      sync.Mutex
	dirs    []string
	single  *Server
	cluster *Cluster
	err     error
	cerr    error
}

// Shared returns the URL of the package's shared server, starting it on
// first use (or BATON_TEST_VALKEY_URL).
func Shared(t testing.TB) string {
	t.Helper()
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	bin := binary(t, "redis-server")
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.single == nil && shared.err == nil {
		dir, err := os.MkdirTemp("", "baton-valkey-")
		if err == nil {
			shared.dirs = append(shared.dirs, dir)
			shared.single, err = newServer(bin, dir)
		}
		shared.err = err
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.single.URL
}

// SharedCluster returns the URL of the package's shared three-node
// cluster, starting it on first use (or BATON_TEST_VALKEY_CLUSTER_URL).
func SharedCluster(t testing.TB) string {
	t.Helper()
	if u := os.Getenv(EnvClusterURL); u != "" {
		return u
	}
	if External() {
		t.Fatal("valkeytest: " + EnvURL + " is set but " + EnvClusterURL + " is not: point it at a cluster too")
	}
	bin := binary(t, "redis-server")
	cli := binary(t, "redis-cli")
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.cluster == nil && shared.cerr == nil {
		var dirs []string
		var err error
		for range 3 {
			var d string
			if d, err = os.MkdirTemp("", "baton-valkey-cluster-"); err != nil {
				break
			}
			dirs = append(dirs, d)
		}
		shared.dirs = append(shared.dirs, dirs...)
		if err == nil {
			shared.cluster, err = newCluster(bin, cli, dirs)
		}
		shared.cerr = err
	}
	if shared.cerr != nil {
		t.Fatal(shared.cerr)
	}
	return shared.cluster.URL
}

// StopShared stops the shared servers and removes their directories.
func StopShared() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.single != nil {
		shared.single.stop()
	}
	if shared.cluster != nil {
		shared.cluster.stop()
	}
	for _, d := range shared.dirs {
		os.RemoveAll(d)
	}
	shared.single, shared.cluster, shared.dirs = nil, nil, nil
}
