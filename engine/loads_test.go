package engine

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/batonbot/baton/flows"
)

func wantLoads(t *testing.T, l flows.LoadTracker, want map[string]int) {
	t.Helper()
	agents := make([]string, 0, len(want))
	for a := range want {
		agents = append(agents, a)
	}
	got, err := l.Loads(context.Background(), agents)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, want) {
		t.Errorf("Loads = %v, want %v", got, want)
	}
}

func TestMemoryStoreCountsOpenHandoffs(t *testing.T) {
	ctx := context.Background()
	m := NewMemoryStore()
	wantLoads(t, m, map[string]int{"ada": 0, "linus": 0})
	for _, step := range []struct {
		agent string
		delta int
	}{{"ada", 1}, {"ada", 1}, {"linus", 1}, {"ada", -1}, {"linus", -1}, {"linus", -1}} {
		if err := m.Add(ctx, step.agent, step.delta); err != nil {
			t.Fatal(err)
		}
	}
	wantLoads(t, m, map[string]int{"ada": 1, "linus": 0, "grace": 0})
	if err := m.Add(ctx, "", 1); err == nil {
		t.Error("Add with no agent should fail")
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	if err := m.Add(done, "ada", 1); err == nil {
		t.Error("Add with a done context should fail")
	}
	wantLoads(t, m, map[string]int{"ada": 1})
}

func TestMemoryStoreLoadsConcurrently(t *testing.T) {
	ctx := context.Background()
	m := NewMemoryStore()
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			_ = m.Add(ctx, "ada", 1)
			_, _ = m.Loads(ctx, []string{"ada"})
			_ = m.Add(ctx, "linus", 1)
		})
	}
	wg.Wait()
	wantLoads(t, m, map[string]int{"ada": 50, "linus": 50})
}

func TestFileStoreKeepsLoadsAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "baton.json")
	st, err := OpenFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	_ = st.Add(ctx, "ada", 1)
	_ = st.Add(ctx, "ada", 1)
	_ = st.Add(ctx, "linus", 1)
	if err := st.Add(ctx, "linus", -1); err != nil {
		t.Fatal(err)
	}

	st2, err := OpenFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	wantLoads(t, st2, map[string]int{"ada": 2, "linus": 0})
	// A session saved later keeps the counts in the snapshot.
	if err := st2.Save(ctx, &flows.Session{ID: "c1"}); err != nil {
		t.Fatal(err)
	}
	st3, err := OpenFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	wantLoads(t, st3, map[string]int{"ada": 2, "linus": 0})
}

// A store file written before loads were kept opens with every count at 0.
func TestFileStoreWithoutLoadsOpens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.json")
	old := `{"sessions":{"c1":{"id":"c1","flow":"shop","state":"welcome","lifecycle":"bot","turns":1,"created_at":"2026-03-03T10:30:00Z","updated_at":"2026-03-03T10:30:00Z","rev":1}},"outbox":[],"version":1}`
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := OpenFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	wantLoads(t, st, map[string]int{"ada": 0})
	if err := st.Add(context.Background(), "ada", 1); err != nil {
		t.Fatal(err)
	}
	if s, err := st.Load(context.Background(), "c1"); err != nil || s.State != "welcome" {
		t.Errorf("the old session = %+v, %v", s, err)
	}
	wantLoads(t, st, map[string]int{"ada": 1})
}

// A count whose snapshot cannot be written is not changed.
func TestFileStoreFailedWriteKeepsLoads(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "baton.json")
	st, err := OpenFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Add(ctx, "ada", 1); err != nil {
		t.Fatal(err)
	}
	// The snapshot's place becomes a directory: renaming over it fails.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(path, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := st.Add(ctx, "ada", -1); err == nil {
		t.Fatal("Add succeeded although the store could not be written")
	}
	if err := st.Add(ctx, "linus", 1); err == nil {
		t.Fatal("Add succeeded although the store could not be written")
	}
	wantLoads(t, st, map[string]int{"ada": 1, "linus": 0})
}
