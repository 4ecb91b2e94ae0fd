package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/bolt"
	"github.com/batonbot/baton/store/memory"
	"github.com/batonbot/baton/store/valkey/valkeytest"
)

func TestLoadReplaysConversations(t *testing.T) {
	code, out, errOut := runCLI(t, "", "load", "--conversations", "40", "--concurrency", "3", "--json", "../../examples/tests/survey.yaml")
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	var rep loadReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	// survey.yaml's conversations have 2 to 4 user steps each.
	if rep.Conversations != 40 || rep.Turns < 80 || rep.Turns > 160 || rep.Errors != 0 || rep.Workers != 3 {
		t.Errorf("report = %+v; want 40 conversations of 2-4 turns, no errors", rep)
	}
	if rep.TurnsPerSec <= 0 || rep.P50 <= 0 || rep.P99 < rep.P50 || rep.AllocsPerTurn <= 0 {
		t.Errorf("report lacks measurements: %+v", rep)
	}
}

func TestLoadUsage(t *testing.T) {
	for _, args := range [][]string{
		{"load"},
		{"load", "--duration", "11m", "../../examples/tests"},
		{"load", "--concurrency", "0", "../../examples/tests"},
	} {
		code, _, errOut := runCLI(t, "", args...)
		if code != exitUsage || !strings.Contains(errOut, "baton load") {
			t.Errorf("%v: exit %d, stderr %q; want a usage error", args, code, errOut)
		}
	}
	if code, _, errOut := runCLI(t, "", "load", "--conversations", "1", "no/such/dir"); code != exitUsage || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing path: exit %d, stderr %q", code, errOut)
	}
}

// The end of a run stops new conversations and turns; it does not fail the
// turns under way (which reported "context deadline exceeded" as errors),
// and the report counts the conversations that ran (it subtracted one per
// worker, and said -2 when the run ended before the workers began).
func TestLoadDurationEndsCleanly(t *testing.T) {
	scripts, problems := loadScripts([]string{"../../examples/tests"}, nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	// The run ends during the store's stopAt-th save (0: before it starts).
	for _, stopAt := range []int{0, 1, 2, 7, 50} {
		t.Run(strconv.Itoa(stopAt), func(t *testing.T) {
			ctx, end := context.WithCancel(context.Background())
			defer end()
			st := &endingStore{Store: memory.New(), stopAt: stopAt, end: end, deleted: map[string]bool{}}
			if stopAt == 0 {
				end()
			}
			rep := driveLoad(ctx, scripts, st, 3, time.Minute, 0)
			if stopAt > 0 && st.saves < stopAt {
				t.Fatalf("the run ended after %d saves, before the %dth that ends it: %+v", st.saves, stopAt, rep)
			}
			if rep.Errors != 0 {
				t.Errorf("%d errors (first: %s); a turn under way when the run ends must finish", rep.Errors, rep.FirstError)
			}
			if rep.Conversations != int64(len(st.deleted)) {
				t.Errorf("report says %d conversations; %d ran and were deleted", rep.Conversations, len(st.deleted))
			}
			if stopAt > 0 && (rep.Conversations < 1 || rep.Turns < rep.Conversations) {
				t.Errorf("report %+v: want at least one conversation, each of at least one turn", rep)
			}
			if stopAt == 0 && (rep.Conversations != 0 || rep.Turns != 0) {
				t.Errorf("report %+v: the run ended before it began", rep)
			}
			if n := st.Sessions(); n != 0 {
				t.Errorf("%d conversations left in the store", n)
			}
		})
	}
	// The flag: a timed run exits cleanly with a consistent report.
	code, out, errOut := runCLI(t, "", "load", "--duration", "150ms", "--json", "../../examples/tests")
	var rep loadReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	if code != exitOK || rep.Errors != 0 || rep.Conversations < 0 || rep.Turns < rep.Conversations || (rep.Turns > 0) != (rep.Conversations > 0) {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, errOut)
	}
}

// endingStore ends the run (calls end) during its stopAt-th save, so a turn
// is under way then, and records the conversations deleted.
type endingStore struct {
	*memory.Store
	stopAt int
	end    func()

	mu      sync.Mutex
	saves   int
	deleted map[string]bool
}

func (s *endingStore) saved() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.saves++; s.saves == s.stopAt {
		s.end()
	}
}

func (s *endingStore) Save(ctx context.Context, sess *flows.Session, c flows.Commit) error {
	s.saved()
	return s.Store.Save(ctx, sess, c)
}

func (s *endingStore) SaveOwned(ctx context.Context, sess *flows.Session, c flows.Commit) error {
	s.saved()
	return s.Store.SaveOwned(ctx, sess, c)
}

func (s *endingStore) Delete(ctx context.Context, id string) error {
	s.mu.Lock()
	s.deleted[id] = true
	s.mu.Unlock()
	return s.Store.Delete(ctx, id)
}

// Every store: the conversations are deleted when their scripts end, so
// the store holds none after the run.
func TestLoadStores(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		scripts, problems := loadScripts([]string{"../../examples/tests/survey.yaml"}, nil)
		if len(problems) > 0 {
			t.Fatal(problems)
		}
		m := memory.New()
		rep := driveLoad(context.Background(), scripts, m, 2, time.Minute, 20)
		if rep.Errors != 0 || rep.Conversations != 20 {
			t.Fatalf("report %+v", rep)
		}
		if n := m.Sessions(); n != 0 {
			t.Errorf("%d conversations left in the store", n)
		}
	})
	t.Run("bolt", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "load.db")
		code, out, errOut := runCLI(t, "", "load", "--store", "bolt", "--store-path", path, "--conversations", "10", "--concurrency", "2", "--json", "../../examples/tests/survey.yaml")
		var rep loadReport
		if err := json.Unmarshal([]byte(out), &rep); code != exitOK || err != nil || rep.Errors != 0 || rep.Store != "bolt" || rep.Turns < 20 {
			t.Fatalf("exit %d, report %s, stderr %s", code, out, errOut)
		}
		s, err := bolt.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if n, err := s.Sessions(context.Background()); err != nil || n != 0 {
			t.Errorf("%d conversations left in the store (%v)", n, err)
		}
	})
	t.Run("valkey", func(t *testing.T) {
		srv := valkeytest.Start(t)
		code, out, errOut := runCLI(t, "", "load", "--store", "valkey", "--store-url", srv.URL, "--conversations", "10", "--concurrency", "2", "--json", "../../examples/tests/survey.yaml")
		var rep loadReport
		if err := json.Unmarshal([]byte(out), &rep); code != exitOK || err != nil || rep.Errors != 0 || rep.Store != "valkey" || rep.Turns < 20 {
			t.Fatalf("exit %d, report %s, stderr %s", code, out, errOut)
		}
	})
	for _, args := range [][]string{{"--store", "redis"}, {"--store-path", "x.db"}, {"--store", "bolt", "--store-url", "redis://x"}} {
		if code, _, _ := runCLI(t, "", append(append([]string{"load"}, args...), "../../examples/tests")...); code != exitUsage {
			t.Errorf("%q: exit %d, want a usage error", args, code)
		}
	}
}
