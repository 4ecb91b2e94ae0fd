package bolt_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/bolt"
)

// openEachEnv makes the test binary a process that opens each store file
// named in the variable (one a line) and says what became of it: a line
// "opening PATH" not followed by "opened" or "refused" is a crash.
const openEachEnv = "BATON_BOLT_OPEN_EACH"

func openEach(list string) {
	for _, p := range strings.Split(list, "\n") {
		fmt.Println("opening", p)
		s, err := bolt.Open(p, bolt.WithLockTimeout(100*time.Millisecond))
		if err != nil {
			fmt.Printf("refused %s %q\n", p, err.Error())
			continue
		}
		s.Close()
		fmt.Println("opened", p)
	}
}

// openInAnotherProcess opens each file in a process of its own making
// (openEach), again after a crash for the files after the one that
// crashed it, and returns what became of each: "opened", "refused: ERROR"
// or "crashed: OUTPUT".
func openInAnotherProcess(t *testing.T, paths []string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for len(paths) > 0 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), openEachEnv+"="+strings.Join(paths, "\n"))
		out, _ := cmd.CombinedOutput()
		var opening string
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			verb, rest, _ := strings.Cut(sc.Text(), " ")
			switch verb {
			case "opening":
				opening = rest
			case "opened":
				got[rest], opening = "opened", ""
			case "refused":
				if i := strings.LastIndex(rest, " \""); i >= 0 && opening == rest[:i] {
					msg, _ := strconv.Unquote(rest[i+1:])
					got[opening], opening = "refused: "+msg, ""
				}
			}
		}
		if opening == "" {
			break
		}
		crash := string(out)
		if i := strings.Index(crash, "opening "+opening); i >= 0 {
			crash = crash[i:]
		}
		got[opening] = "crashed: " + crash[:min(len(crash), 2000)]
		for len(paths) > 0 && paths[0] != opening {
			paths = paths[1:]
		}
		if len(paths) > 0 {
			paths = paths[1:]
		}
	}
	return got
}

// A store file damaged in the ways bbolt's own scan at open finds (a
// branch page's key out of its range, a page referenced twice, a child
// past the pages in use) or that bbolt would read through unchecked (a
// page's header, its element table, a value taken for a bucket) is
// refused with an error naming it, never a crash of the process; and no
// random change of up to 64 bytes crashes it.
func TestOpenRefusesDamagedPages(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	// The same file every run: one clock, stopped.
	now := time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)
	s, err := bolt.Open(good, bolt.WithNoSync(), bolt.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 150 {
		// No map with more than a key: the codec writes them in Go's order.
		sess := &flows.Session{ID: fmt.Sprint("c", i), Flow: "shop", State: "order_status", Vars: map[string]any{"order": fmt.Sprint("A-", i)}}
		for m := range 8 {
			sess.Transcript = append(sess.Transcript, flows.Message{At: now, From: flows.RoleUser, Text: strings.Repeat(fmt.Sprint("message ", m, " "), 12)})
		}
		c := flows.Commit{Outbox: []flows.OutboxItem{{ID: fmt.Sprint("h", i, ":open"), Kind: flows.OutboxOpen, HandoffID: fmt.Sprint("h", i)}},
			Timers: []flows.Timer{{Key: "t", At: now.Add(time.Hour)}}, Loads: map[string]int{fmt.Sprint("agent", i%20): 1}}
		if err := s.Save(ctx, sess, c); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	content, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	branches, leaves, roots, hwm := livePages(t, good, content)
	if len(branches) < 2 || len(leaves) < 20 {
		t.Fatalf("the store has %d branch and %d leaf pages in use, want more", len(branches), len(leaves))
	}
	le := binary.NativeEndian
	psz := int(le.Uint32(content[24:]))
	rng := rand.New(rand.NewPCG(8, 2026))
	files := map[string][]byte{}
	damage := func(name string, change func(b []byte)) {
		b := append([]byte(nil), content...)
		change(b)
		files[name] = b
	}
	page := func(b []byte, n uint64) []byte { return b[int(n)*psz:] }
	elem := func(p []byte, i int) []byte { return p[16+16*i:] }
	count := func(n uint64) int { return int(le.Uint16(page(content, n)[10:])) }
	branchKey := func(p []byte, i int) []byte {
		e := elem(p, i)
		at := 16 + 16*i + int(le.Uint32(e))
		return p[at : at+int(le.Uint32(e[4:]))]
	}
	for n := range 4 {
		br := branches[rng.IntN(len(branches))]
		c := count(br)
		i, j := rng.IntN(c), rng.IntN(c)
		if c > 1 {
			for j == i {
				j = rng.IntN(c)
			}
		}
		damage(fmt.Sprint("branch-key-high-", n), func(b []byte) {
			k := branchKey(page(b, br), i)
			for x := range k {
				k[x] = 0xFF
			}
		})
		damage(fmt.Sprint("branch-key-low-", n), func(b []byte) {
			k := branchKey(page(b, br), max(i, 1)%c)
			for x := range k {
				k[x] = 0
			}
		})
		if c > 1 {
			damage(fmt.Sprint("page-twice-", n), func(b []byte) {
				p := page(b, br)
				le.PutUint64(elem(p, i)[8:], le.Uint64(elem(p, j)[8:]))
			})
		}
		damage(fmt.Sprint("page-twice-across-", n), func(b []byte) {
			le.PutUint64(elem(page(b, br), i)[8:], roots[rng.IntN(len(roots))])
		})
		damage(fmt.Sprint("cycle-", n), func(b []byte) { le.PutUint64(elem(page(b, br), i)[8:], br) })
		damage(fmt.Sprint("child-past-end-", n), func(b []byte) { le.PutUint64(elem(page(b, br), i)[8:], hwm+uint64(n)*1000) })
		damage(fmt.Sprint("child-meta-", n), func(b []byte) { le.PutUint64(elem(page(b, br), i)[8:], uint64(n%2)) })

		lf := leaves[rng.IntN(len(leaves))]
		k := rng.IntN(count(lf))
		damage(fmt.Sprint("leaf-id-", n), func(b []byte) { le.PutUint64(page(b, lf), lf+1+uint64(n)) })
		damage(fmt.Sprint("leaf-type-", n), func(b []byte) { le.PutUint16(page(b, lf)[8:], []uint16{0, 0x03, 0x04, 0x10}[n]) })
		damage(fmt.Sprint("leaf-overflow-", n), func(b []byte) { le.PutUint32(page(b, lf)[12:], uint32(hwm)+uint32(n)<<20) })
		damage(fmt.Sprint("leaf-count-", n), func(b []byte) { le.PutUint16(page(b, lf)[10:], uint16(0xFFFF-n*1000)) })
		damage(fmt.Sprint("leaf-key-pos-", n), func(b []byte) { le.PutUint32(elem(page(b, lf), k)[4:], uint32(psz*(n+1))) })
		damage(fmt.Sprint("leaf-value-size-", n), func(b []byte) { le.PutUint32(elem(page(b, lf), k)[12:], uint32(psz<<n)) })
		damage(fmt.Sprint("leaf-key-empty-", n), func(b []byte) { le.PutUint32(elem(page(b, lf), k)[8:], 0) })
		damage(fmt.Sprint("value-as-bucket-", n), func(b []byte) { elem(page(b, lf), k)[0] |= 1 })
	}
	targeted := len(files)
	live := append(append([]uint64(nil), branches...), leaves...)
	for n := range 100 {
		damage(fmt.Sprint("random-", n), func(b []byte) {
			for range 1 + rng.IntN(64) {
				page(b, live[rng.IntN(len(live))])[rng.IntN(psz)] = byte(rng.Uint32())
			}
		})
	}
	var paths []string
	names := map[string]string{}
	for name, b := range files {
		p := filepath.Join(dir, name+".db")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
		names[p] = name
	}
	got := openInAnotherProcess(t, paths)
	refused := 0
	for _, p := range paths {
		name, o := names[p], got[p]
		switch {
		case o == "":
			t.Errorf("%s: not opened (the process stopped before)", name)
		case strings.HasPrefix(o, "crashed"):
			t.Errorf("%s: Open %s", name, o)
		case o == "opened":
			if !strings.HasPrefix(name, "random-") {
				t.Errorf("%s: opened", name)
			}
		case !strings.Contains(o, p) || !strings.Contains(o, "damaged"):
			t.Errorf("%s: %s; want the path and that it is damaged", name, o)
		default:
			refused++
		}
	}
	t.Logf("%d files with targeted damage and 100 with random bytes changed: %d refused, none crashed", targeted, refused)
}

// livePages lists the branch and leaf pages in use in the bbolt file at
// path (content), bucket by bucket in name order and each in key order,
// the root pages of its buckets, and its count of pages: bbolt numbers the
// pages of a write in no fixed order, but the trees are the same each run.
func livePages(t *testing.T, path string, content []byte) (branches, leaves, roots []uint64, hwm uint64) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	le := binary.NativeEndian
	psz := db.Info().PageSize
	var walk func(n uint64)
	walk = func(n uint64) {
		p := content[int(n)*psz:]
		switch le.Uint16(p[8:]) {
		case 0x01:
			branches = append(branches, n)
			for i := range int(le.Uint16(p[10:])) {
				walk(le.Uint64(p[16+16*i+8:]))
			}
		case 0x02:
			if le.Uint32(p[12:]) == 0 {
				leaves = append(leaves, n)
			}
		}
	}
	err = db.View(func(tx *bbolt.Tx) error {
		hwm = uint64(tx.Size() / int64(psz))
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			if r := uint64(b.Root()); r != 0 {
				roots = append(roots, r)
				walk(r)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return branches, leaves, roots, hwm
}
