package loadgen_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/loadgen"
	"github.com/batonbot/baton/store/memory"
)

// The end of a run stops new conversations and turns; it does not fail the
// turns under way (which reported "context deadline exceeded" as errors),
// and the report counts the conversations that ran (it subtracted one per
// worker, and said -2 when the run ended before the workers began).
func TestRunEngineEndsCleanly(t *testing.T) {
	scripts, problems := loadgen.EngineScripts([]string{"../examples/tests"}, nil)
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
			rep := loadgen.RunEngine(ctx, st, scripts, loadgen.EngineOptions{Concurrency: 3, Duration: time.Minute})
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

// Each conversation is deleted from the store when its script ends.
func TestRunEngineDeletesConversations(t *testing.T) {
	scripts, problems := loadgen.EngineScripts([]string{"../examples/tests/survey.yaml"}, nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	m := memory.New()
	rep := loadgen.RunEngine(context.Background(), m, scripts, loadgen.EngineOptions{Concurrency: 2, Duration: time.Minute, Conversations: 20})
	// survey.yaml's conversations have 2 to 4 inputs each.
	if rep.Errors != 0 || rep.Conversations != 20 || rep.Turns < 40 || rep.Turns > 80 || rep.Workers != 2 {
		t.Fatalf("report %+v; want 20 conversations of 2-4 turns, no errors", rep)
	}
	if rep.TurnsPerSec <= 0 || rep.P50 <= 0 || rep.P99 < rep.P50 || rep.AllocsPerTurn <= 0 {
		t.Errorf("report lacks measurements: %+v", rep)
	}
	if n := m.Sessions(); n != 0 {
		t.Errorf("%d conversations left in the store", n)
	}
}

// A flow with errors is reported once, with its position, and its tests
// give no script; the others still do.
func TestEngineScriptsReportBrokenFlows(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("good.yaml", "flow: good\nlanguages: [en]\nstart: main\nstates:\n  main:\n    say: hi\n    ask: {save_as: x}\n    next: main\nvars: {x: \"\"}\n")
	write("bad.yaml", "flow: bad\nstart: nowhere\nstates:\n  main: {say: hi}\n")
	test := "flow: %s\nconversations:\n  - name: %s\n    steps:\n      - user: hello\n        bot: hi\n"
	write("good_test.yaml", strings.ReplaceAll(strings.Replace(test, "%s", "good.yaml", 1), "%s", "one"))
	write("bad1_test.yaml", strings.ReplaceAll(strings.Replace(test, "%s", "bad.yaml", 1), "%s", "one"))
	write("bad2_test.yaml", strings.ReplaceAll(strings.Replace(test, "%s", "bad.yaml", 1), "%s", "two"))
	scripts, problems := loadgen.EngineScripts([]string{filepath.Join(dir, "good_test.yaml"), filepath.Join(dir, "bad1_test.yaml"), filepath.Join(dir, "bad2_test.yaml")}, nil)
	if len(scripts) != 1 || !strings.HasSuffix(scripts[0].Name, "good_test.yaml: one") || len(scripts[0].Inputs) != 1 {
		t.Errorf("scripts %+v, want good_test.yaml's one conversation", scripts)
	}
	if len(problems) != 1 || !strings.Contains(problems[0], "bad.yaml:2:") {
		t.Errorf("problems %q, want bad.yaml's once, with its position", problems)
	}
}

// A bolt store on a given file keeps its sessions there; without one, a
// temporary file is used and removed when the store is closed.
func TestOpenStore(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	path := filepath.Join(t.TempDir(), "load.db")
	for _, p := range []string{path, ""} {
		s, closeStore, err := loadgen.OpenStore(ctx, "bolt", p, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Save(ctx, &flows.Session{ID: "c1", Flow: "f", Vars: map[string]any{}}, flows.Commit{}); err != nil {
			t.Fatal(err)
		}
		if err := closeStore(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the given file: %v", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the temporary store was left behind: %v", left)
	}
	if _, _, err := loadgen.OpenStore(ctx, "redis", "", ""); err == nil || !strings.Contains(err.Error(), "memory, bolt or valkey") {
		t.Errorf("an unknown kind: %v", err)
	}
}
