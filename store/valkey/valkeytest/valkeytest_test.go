package valkeytest

import (
	"strings"
	"testing"
)

func TestStartAnswersAndRestartsWithAOF(t *testing.T) {
	if External() {
		t.Skip("an external server cannot be restarted")
	}
	s := Start(t, WithAOF())
	if r, err := command(s.Addr, "SET", "k", "v"); err != nil || r != "OK" {
		t.Fatalf("SET: %q, %v", r, err)
	}
	s.Kill()
	if _, err := command(s.Addr, "PING"); err == nil {
		t.Fatal("the killed server still answers")
	}
	s.Restart()
	if r, err := command(s.Addr, "GET", "k"); err != nil || r != "v" {
		t.Fatalf("after a restart with AOF, GET k = %q, %v; want v", r, err)
	}
}

func TestStartCluster(t *testing.T) {
	c := StartCluster(t)
	if !strings.HasPrefix(c.URL, "redis://") || strings.Count(c.URL, "addr=") != 2 {
		t.Fatalf("cluster URL %q does not name three nodes", c.URL)
	}
	for _, n := range c.Nodes {
		info, err := command(n.Addr, "CLUSTER", "INFO")
		if err != nil || !strings.Contains(info, "cluster_slots_assigned:16384") {
			t.Fatalf("node %s: %v\n%s", n.Addr, err, info)
		}
	}
}
