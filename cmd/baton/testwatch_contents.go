package main

import (
	"crypto/sha256"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/batonbot/baton/dsl"
)

// contents is what `baton test --watch` remembers of the files a run of
// the tests read, to tell a save that changed one from a save (or a
// touch) that did not: each file's SHA-256 as the run read it, with the
// modification time and size it had just before, and each directory's
// entries. A file's time and size only say when to hash it again, as a
// save in the same tick of the filesystem's clock as the read keeps both.
type contents struct {
	mu    sync.Mutex
	files map[string]fileSum  // by absolute path
	dirs  map[string][]string // a directory's entries, by absolute path
	read1 map[string]bool     // the files read by the run under way
}

type fileSum struct {
	sum  [sha256.Size]byte
	mod  time.Time
	size int64
	at   time.Time // when it was read: a time as recent says nothing
}

// racyWindow is how close to its reading a file's modification time must
// be for the time to prove nothing: a save in the same tick of the
// filesystem's clock (2 seconds on FAT, a second on some others) dates
// it the same, and the kernel's clock lags time.Now by milliseconds.
const racyWindow = 3 * time.Second

func newContents() *contents {
	return &contents{files: map[string]fileSum{}, dirs: map[string][]string{}, read1: map[string]bool{}}
}

// begin starts a run: it forgets what the last one read and remembers the
// files and directories of keys (absolute paths) as they are now, in case
// the run does not read them; those it reads are remembered as read.
// Directories are listed before the run looks for its test files.
func (c *contents) begin(keys map[string]string) {
	c.mu.Lock()
	clear(c.files)
	clear(c.dirs)
	clear(c.read1)
	c.mu.Unlock()
	c.end(keys)
}

// end remembers the keys that the run did not read and begin did not see,
// as they are now.
func (c *contents) end(keys map[string]string) {
	for _, p := range slices.Sorted(maps.Keys(keys)) {
		c.mu.Lock()
		_, known := c.files[p]
		_, listed := c.dirs[p]
		c.mu.Unlock()
		if known || listed {
			continue
		}
		if entries, ok := listDir(p); ok {
			c.mu.Lock()
			c.dirs[p] = entries
			c.mu.Unlock()
		} else if s, _, err := sumFile(p); err == nil {
			c.mu.Lock()
			c.files[p] = s
			c.mu.Unlock()
		}
	}
}

// read reads a file for the run as dsl.ReadLimited does (at most
// dsl.MaxFileSize+1 bytes), remembering the first reading of each file
// in the run: what the run saw.
func (c *contents) read(name string) ([]byte, error) {
	s, b, err := sumFile(name)
	if err != nil {
		return b, err
	}
	if abs, err := filepath.Abs(name); err == nil {
		c.mu.Lock()
		if !c.read1[abs] {
			c.read1[abs] = true
			c.files[abs] = s
		}
		c.mu.Unlock()
	}
	return b, nil
}

// changed lists, sorted, the keys whose file's content differs from what
// was remembered (or which were removed, or appeared), or whose
// directory's entries differ. A file whose time and size are as they
// were is not read again unless its time was too close to its reading to
// tell.
func (c *contents) changed(keys []string) []string {
	var out []string
	for _, p := range slices.Sorted(slices.Values(keys)) {
		if c.differs(p) {
			out = append(out, p)
		}
	}
	return slices.Compact(out)
}

func (c *contents) differs(p string) bool {
	c.mu.Lock()
	was, isFile := c.files[p]
	entries, isDir := c.dirs[p]
	c.mu.Unlock()
	info, err := os.Stat(p)
	switch {
	case isDir:
		now, ok := listDir(p)
		return !ok || !slices.Equal(now, entries)
	case !isFile:
		return err == nil // it appeared
	case err != nil || info.IsDir():
		return true
	case info.ModTime().Equal(was.mod) && info.Size() == was.size && was.mod.Before(was.at.Add(-racyWindow)):
		return false
	}
	now, _, err := sumFile(p)
	if err != nil || now.sum != was.sum {
		return true
	}
	c.mu.Lock()
	c.files[p] = now // the same content: its new time needs no hashing
	c.mu.Unlock()
	return false
}

// sumFile reads the file at p as dsl.ReadLimited does and sums it, with
// the time and size it had just before.
func sumFile(p string) (fileSum, []byte, error) {
	at := time.Now()
	info, err := os.Stat(p)
	if err != nil {
		return fileSum{}, nil, err
	}
	b, err := dsl.ReadLimited(p)
	if err != nil {
		return fileSum{}, b, err
	}
	return fileSum{sum: sha256.Sum256(b), mod: info.ModTime(), size: info.Size(), at: at}, b, nil
}

// listDir lists the YAML files and the directories in the directory at
// p, sorted (an editor's backup and swap files aside); ok is false when
// p is no directory.
func listDir(p string) ([]string, bool) {
	entries, err := os.ReadDir(p)
	if err != nil {
		return nil, false
	}
	var names []string
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); e.IsDir() || ext == ".yaml" || ext == ".yml" {
			names = append(names, e.Name())
		}
	}
	return names, true
}
