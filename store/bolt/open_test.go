package bolt_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/bolt"
	"github.com/batonbot/baton/store/storetest"
)

// helperEnv makes the test binary the second process of
// TestSecondProcessIsRefused.
const helperEnv = "BATON_BOLT_SECOND_PROCESS"

func TestMain(m *testing.M) {
	if list := os.Getenv(openEachEnv); list != "" {
		openEach(list)
		os.Exit(0)
	}
	if path := os.Getenv(helperEnv); path != "" {
		s, err := bolt.Open(path, bolt.WithLockTimeout(100*time.Millisecond))
		if err != nil {
			fmt.Println(err)
			if errors.Is(err, bolt.ErrLocked) {
				os.Exit(3)
			}
			os.Exit(2)
		}
		s.Close()
		fmt.Println("opened")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Two processes on one file: the second is refused with a message naming
// the file and the process that holds it; once the first closes, the
// second opens.
func TestSecondProcessIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "baton.db")
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	second := func() (int, string) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"="+path)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), string(out)
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	code, out := second()
	if code != 3 {
		t.Fatalf("the second process exited %d: %s", code, out)
	}
	for _, want := range []string{path, "in use by another process", "process " + strconv.Itoa(os.Getpid())} {
		if !strings.Contains(out, want) {
			t.Errorf("the refusal %q does not say %q", out, want)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if code, out := second(); code != 0 || !strings.Contains(out, "opened") {
		t.Fatalf("after the first closed, the second exited %d: %s", code, out)
	}
}

func TestOpenRefusesForeignFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	otherBolt := filepath.Join(dir, "other.db")
	db, err := bbolt.Open(otherBolt, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket([]byte("users")); return err })
	db.Close()
	newer := filepath.Join(dir, "newer.db")
	s, err := bolt.Open(newer)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err = bbolt.Open(newer, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte("baton")).Put([]byte("version"), binary.AppendUvarint(nil, bolt.SchemaVersion+1))
	})
	db.Close()
	tests := []struct {
		path, want string
	}{
		{write("notes.txt", strings.Repeat("not a database\n", 400)), "not a Baton store"},
		{write("store.json", `{"sessions":{},"outbox":[],"version":1}`), "baton store migrate"},
		{write("null.json", "null"), "not a Baton store"},
		{otherBolt, "another program"},
		{newer, "newer Baton"},
	}
	for _, tt := range tests {
		before, _ := os.ReadFile(tt.path)
		s, err := bolt.Open(tt.path)
		if err == nil {
			s.Close()
			t.Errorf("%s opened", filepath.Base(tt.path))
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) {
			t.Errorf("%s: %v; want the path and %q", filepath.Base(tt.path), err, tt.want)
		}
		if after, _ := os.ReadFile(tt.path); string(after) != string(before) {
			t.Errorf("%s was changed by the refused open", filepath.Base(tt.path))
		}
	}
}

// What a store holds is there after a restart; leases are not.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "baton.db")
	clock := storetest.NewClock(time.Now().UTC().Truncate(time.Second))
	s, err := bolt.Open(path, bolt.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	sess := storetest.RichSession("c1", clock.Now())
	sess.Rev = 0
	c := flows.Commit{Outbox: []flows.OutboxItem{{ID: "h:open", Kind: flows.OutboxOpen, HandoffID: "h"}},
		Loads: map[string]int{"ada": 2}, Timers: []flows.Timer{{Key: "t", At: clock.Now()}}}
	if ok, err := s.Inbox().Accept(ctx, flows.Inbound{ID: "m1", ConversationID: "c1"}); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if err := s.Save(ctx, sess, c); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Claim(ctx, clock.Now(), time.Hour, 10); len(got) != 1 {
		t.Fatalf("claimed %v", got)
	}
	s.Close()
	s, err = bolt.Open(path, bolt.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Load(ctx, "c1")
	if err != nil || got.Rev != 1 || got.Vars["count"] != 3 {
		t.Fatalf("after the restart: %+v, %v", got, err)
	}
	if st, err := s.PendingStats(ctx); err != nil || len(st) != 1 || st[flows.OutboxOpen].Count != 1 {
		t.Errorf("pending after the restart: %v, %v", st, err)
	}
	if items, _ := s.Claim(ctx, clock.Now(), time.Hour, 10); len(items) != 1 {
		t.Errorf("a lease survived the restart: %v", items)
	}
	if l, _ := s.Loads(ctx, []string{"ada"}); l["ada"] != 2 {
		t.Errorf("loads %v", l)
	}
	if due, _ := s.Due(ctx, clock.Now(), 10); len(due) != 1 {
		t.Errorf("timers %v", due)
	}
	if es, _ := s.Inbox().Claim(ctx, clock.Now(), time.Minute, 10); len(es) != 1 {
		t.Errorf("inbox %v", es)
	}
	if ok, _ := s.Inbox().Accept(ctx, flows.Inbound{ID: "m1", ConversationID: "c1"}); ok {
		t.Error("a message accepted before the restart was accepted again")
	}
}

func TestImportJSON(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	old := filepath.Join(dir, "store.json")
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	content := fmt.Sprintf(`{"sessions":{"c1":{"id":"c1","flow":"shop","state":"human","vars":{"order_id":"A12345"},"lifecycle":"handed_off",
"transcript":[{"at":%q,"from":"user","text":"operatore"}],"turns":2,"rev":2,"handoff":{"id":"h1","assignee":"ada"}}},
"outbox":[{"id":"h1:open","kind":"open","conversation_id":"c1","handoff_id":"h1","status":"dead","attempts":7,"created_at":%q,"next_at":%q,"last_error":"401"},
{"id":"h1:append:3:1","kind":"append","conversation_id":"c1","handoff_id":"h1","status":"pending","message":{"text":"ci sei?"},"created_at":%q,"next_at":%q}],
"tickets":{"h0":{"connector":"zendesk","id":"9"}},"loads":{"ada":1},"version":1}`, at.Format(time.RFC3339), at.Format(time.RFC3339), at.Format(time.RFC3339), at.Format(time.RFC3339), at.Format(time.RFC3339))
	if err := os.WriteFile(old, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := bolt.Open(filepath.Join(dir, "baton.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, err := s.ImportJSON(ctx, old)
	if err != nil {
		t.Fatal(err)
	}
	if n != (bolt.Imported{Sessions: 1, Items: 2, Tickets: 1, Loads: 1}) {
		t.Errorf("imported %+v", n)
	}
	sess, err := s.Load(ctx, "c1")
	if err != nil || sess.Rev != 2 || sess.Vars["order_id"] != "A12345" || sess.Handoff.Assignee != "ada" || len(sess.Transcript) != 1 {
		t.Fatalf("imported session %+v, %v", sess, err)
	}
	dead, _ := s.List(ctx, flows.OutboxDead)
	if len(dead) != 1 || dead[0].Attempts != 7 || dead[0].LastError != "401" {
		t.Errorf("dead %+v", dead)
	}
	// A stale revision still conflicts; the next one saves.
	sess.Rev = 1
	if err := s.Save(ctx, sess, flows.Commit{}); !errors.Is(err, flows.ErrConflict) {
		t.Errorf("stale save after import: %v", err)
	}
	sess.Rev = 2
	if err := s.Save(ctx, sess, flows.Commit{}); err != nil {
		t.Error(err)
	}
	again, err := s.ImportJSON(ctx, old)
	if err != nil || again.Sessions != 0 || again.Items != 0 || again.Skipped != 3 {
		t.Errorf("importing twice: %+v, %v", again, err)
	}
	if l, _ := s.Loads(ctx, []string{"ada"}); l["ada"] != 1 {
		t.Errorf("loads after two imports: %v", l)
	}
	if _, err := s.ImportJSON(ctx, filepath.Join(dir, "missing.json")); err == nil {
		t.Error("importing a missing file succeeded")
	}
}

// Replies a save leased to its caller are claimable at once after a
// restart (leases live in memory), in order, and the count of each
// conversation's pending replies is rebuilt: a save behind them leases
// nothing.
func TestReopenLeasedReplies(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "baton.db")
	open := func() *bolt.Store {
		s, err := bolt.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	now := time.Now()
	s := open()
	reply := func(n int) flows.OutboxItem {
		id := "c1:reply:" + strconv.Itoa(n)
		return flows.OutboxItem{ID: id, Kind: flows.OutboxReply, Outbound: &flows.Outbound{ID: id, ConversationID: "c1"}}
	}
	sess := &flows.Session{ID: "c1", State: "start"}
	claim := &flows.ReplyClaim{Until: now.Add(time.Hour)}
	if err := s.Save(ctx, sess, flows.Commit{Outbox: []flows.OutboxItem{reply(1), reply(2)}, Claim: claim}); err != nil {
		t.Fatal(err)
	}
	if len(claim.Items) != 2 {
		t.Fatalf("leased %v", claim.Items)
	}
	s.Close()
	s = open()
	defer s.Close()
	claim = &flows.ReplyClaim{Until: now.Add(time.Hour)}
	if err := s.Save(ctx, sess, flows.Commit{Outbox: []flows.OutboxItem{reply(3)}, Claim: claim}); err != nil {
		t.Fatal(err)
	}
	if len(claim.Items) != 0 {
		t.Errorf("a save behind two pending replies leased %v", claim.Items)
	}
	for n := range 3 {
		items, err := s.Claim(ctx, time.Now(), time.Minute, 10)
		if err != nil || len(items) != 1 || items[0].ID != reply(n+1).ID {
			t.Fatalf("claim %d after the restart: %v, %v", n+1, items, err)
		}
		items[0].Status = flows.OutboxDelivered
		if err := s.Settle(ctx, items[0]); err != nil {
			t.Fatal(err)
		}
	}
}

// Saves that lease their replies while inbox claims write (as serve's
// workers do) never wait on each other for ever: a save leases inside its
// write transaction, which an inbox claim's write may share.
func TestLeasingSavesBesideInboxClaims(t *testing.T) {
	ctx := context.Background()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "baton.db"), bolt.WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	// Closed only when nothing is stuck: Close waits for the transactions.
	done := make(chan error, 4)
	for w := range 4 {
		go func() {
			conv := "c" + strconv.Itoa(w)
			sess := &flows.Session{ID: conv, State: "start"}
			for n := range 100 {
				id := conv + ":" + strconv.Itoa(n)
				if _, err := s.Inbox().Accept(ctx, flows.Inbound{ID: id, ConversationID: conv}); err != nil {
					done <- err
					return
				}
				if _, err := s.Inbox().Claim(ctx, time.Now(), time.Minute, 4); err != nil {
					done <- err
					return
				}
				claim := &flows.ReplyClaim{Until: time.Now().Add(time.Minute)}
				c := flows.Commit{Done: []string{id}, Claim: claim,
					Outbox: []flows.OutboxItem{{ID: id + ":reply", Kind: flows.OutboxReply, Outbound: &flows.Outbound{ID: id + ":reply"}}}}
				if err := s.Save(ctx, sess, c); err != nil && !errors.Is(err, flows.ErrConsumed) {
					done <- err
					return
				}
				for _, it := range claim.Items {
					it.Status = flows.OutboxDelivered
					if err := s.Settle(ctx, it); err != nil {
						done <- err
						return
					}
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(time.Minute):
			t.Fatal("saves and inbox claims are stuck waiting on each other")
		}
	}
	s.Close()
}

// TestIdleExpiryWithoutSaves: a conversation idle past the TTL leaves the
// file though nothing is saved any more; the host's polls for due timers
// are enough (the personal data is not kept until the next customer).
func TestIdleExpiryWithoutSaves(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Now().UTC().Truncate(time.Second))
	s, err := bolt.Open(filepath.Join(t.TempDir(), "baton.db"), bolt.WithClock(clock.Now), bolt.WithTTL(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Save(ctx, storetest.RichSession("c1", clock.Now()), flows.Commit{}); err != nil {
		t.Fatal(err)
	}
	clock.Add(2 * time.Hour)
	if _, err := s.Due(ctx, clock.Now(), 10); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Sessions(ctx); err != nil || n != 0 {
		t.Errorf("after the TTL and a poll the file holds %d conversations (%v), want 0", n, err)
	}
}

// A JSON store past the limit is refused with the limit and what to do,
// before it is read (the file here is sparse: nothing is read or held).
func TestImportJSONTooLarge(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "store.json")
	f, err := os.Create(old)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(bolt.MaxImportSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	s, err := bolt.Open(filepath.Join(dir, "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.ImportJSON(context.Background(), old)
	if err == nil || !strings.Contains(err.Error(), "larger than 268435456 bytes (256 MiB)") || !strings.Contains(err.Error(), "split") {
		t.Fatalf("err = %v", err)
	}
}

// A damaged store file (cut short by a full disk or a bad copy, or with
// pages overwritten) is refused with an error naming it, not a crash of
// the process.
func TestOpenRefusesDamagedFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	s, err := bolt.Open(good)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 200 {
		sess := &flows.Session{ID: fmt.Sprint("c", i), Flow: "f", State: "start", Vars: map[string]any{"note": strings.Repeat("x", 200)}}
		if err := s.Save(ctx, sess, flows.Commit{}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	content, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	const page = 4096
	if len(content) < 8*page {
		t.Fatalf("the store is %d bytes, want at least 8 pages", len(content))
	}
	garbage := append([]byte(nil), content...)
	for i := 2 * page; i < len(garbage); i++ {
		garbage[i] = byte(i*7 + 3)
	}
	// A flipped byte in a stored key: the keys of a page out of order,
	// which bbolt reports by panicking in a goroutine of its own while it
	// opens the file.
	flipped := append(content[:2*page:2*page], bytes.ReplaceAll(content[2*page:], []byte("c150"), []byte("c050"))...)
	damaged := map[string][]byte{
		"freelist.db": damagedFreelist(t, good),
		"flipped.db":  flipped,
		"cut.db":      content[:3*page],
		"short.db":    content[:2*page+1808], // its pages past the end fault
		"garbage.db":  garbage,
	}
	for name, b := range damaged {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := bolt.Open(p)
		if err == nil {
			s.Close()
			t.Fatalf("%s opened", name)
		}
		if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "damaged") {
			t.Errorf("%s: %v; want the path and that it is damaged", name, err)
		}
		if after, _ := os.ReadFile(p); string(after) != string(b) {
			t.Errorf("%s was changed by the refused open", name)
		}
		if err := lockFree(p); err != nil {
			t.Errorf("%s is still locked after the refused open: %v", name, err)
		}
	}
}

// damagedFreelist is the store at path as a bbolt that keeps its free
// list in the file (a Baton before NoFreelistSync, or bbolt's own tools)
// leaves it, with that list's page damaged: bbolt panics reading it while
// it opens the file, after it locked and mapped it.
func damagedFreelist(t *testing.T, path string) []byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), "synced.db")
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, content, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := bbolt.Open(p, 0o600, &bbolt.Options{NoFreelistSync: false})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if content, err = os.ReadFile(p); err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	size, free := int(le.Uint32(content[24:])), int(le.Uint64(metaPage(content)[48:]))
	if free < 2 || (free+1)*size > len(content) {
		t.Fatalf("no free-list page (%d) in the synced store", free)
	}
	le.PutUint16(content[free*size+8:], 0x02) // a leaf's type, not a free list's
	return content
}

// metaPage is the meta page of the bbolt file in content that bbolt
// reads, the one of the later transaction (both are valid here): its
// page size at 24, its bucket list's page at 32, its free-list page at 48
// and its transaction at 64.
func metaPage(content []byte) []byte {
	le := binary.LittleEndian
	size := int(le.Uint32(content[24:]))
	if le.Uint64(content[size+64:]) > le.Uint64(content[64:]) {
		return content[size:]
	}
	return content
}

// lockFree says whether the file at path can be locked as bbolt locks it
// (flock, exclusive): a lock another open of it keeps, even in this
// process, makes it fail.
func lockFree(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return err
	}
	return syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}
