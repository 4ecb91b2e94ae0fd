package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A JSON store written by an earlier 'baton chat --live' is carried over,
// and 'baton handoff list' reads the new file.
func TestStoreMigrate(t *testing.T) {
	dir := t.TempDir()
	old, db := filepath.Join(dir, "store.json"), filepath.Join(dir, "store.db")
	at := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	content := fmt.Sprintf(`{"sessions":{"c-1":{"id":"c-1","flow":"shop","state":"human","lifecycle":"handed_off","turns":2,"rev":2}},
"outbox":[{"id":"h-1:open","kind":"open","conversation_id":"c-1","handoff_id":"h-1","handoff":{"id":"h-1","reason":"asks_for_human"},
"status":"dead","attempts":3,"created_at":%q,"next_at":%q,"last_error":"zendesk open: 401 Unauthorized"}],"loads":{"ada":1},"version":1}`, at, at)
	if err := os.WriteFile(old, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "", "store", "migrate", old, db)
	if code != exitOK || !strings.Contains(stdout, "1 session, 1 outbox item, 0 tickets, 1 agent load") {
		t.Fatalf("migrate: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, "", "handoff", "list", "--store", db, "dead")
	if code != exitOK || !strings.Contains(stdout, "h-1:open") || !strings.Contains(stdout, "401 Unauthorized") {
		t.Fatalf("list after migrate: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "", "store", "migrate", old, db)
	if code != exitOK || !strings.Contains(stdout, "2 already there") {
		t.Fatalf("migrating twice: exit %d\n%s", code, stdout)
	}
	// The old file given where the new one goes is refused, unchanged.
	code, _, stderr = runCLI(t, "", "handoff", "list", "--store", old)
	if code != exitRuntime || !strings.Contains(stderr, "baton store migrate") {
		t.Fatalf("list on the JSON file: exit %d, %s", code, stderr)
	}
	for _, args := range [][]string{{"store"}, {"store", "migrate", old}, {"store", "fix"}} {
		if code, _, _ := runCLI(t, "", args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
}
