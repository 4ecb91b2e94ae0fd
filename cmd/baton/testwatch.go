package main

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/batonbot/baton/convtest"
	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/host"
)

// watch runs the tests, then again each time one of their files is saved
// (host.WatchFilesReady, the watcher baton serve reloads flows with),
// until ctx is done. It returns the last run's exit code.
func (r *testRunner) watch(ctx context.Context, paths, files, skipped []string) int {
	out := r.e.stdout
	start := fsNow()
	code, read := r.runAll(ctx, files)
	if afterFirstTestRun != nil {
		afterFirstTestRun()
	}
	var mu sync.Mutex
	watched := watchedFiles(paths, files, skipped, read)
	current := func() map[string]string {
		mu.Lock()
		defer mu.Unlock()
		return watched
	}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	// Only the watcher's warnings: the run says itself what it watches.
	log := slog.New(slog.NewTextHandler(r.e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	changes, errc := host.WatchChanges(wctx, log, current)
	say := func() {
		nfiles, ndirs := 0, 0
		for p := range current() {
			if info, err := os.Stat(p); err == nil && info.IsDir() {
				ndirs++
			} else {
				nfiles++
			}
		}
		what := flows.Plural(nfiles, "file")
		if ndirs > 0 {
			what += " and " + flows.Plural(ndirs, "directory")
		}
		fmt.Fprintf(out, "watching %s; Ctrl-C stops\n", what)
	}
	rerun := func(changed []string) {
		fmt.Fprintf(out, "\n--- %s: %s changed; running the tests again\n", time.Now().Format("15:04:05"), relNames(changed))
		files, skipped, err := convtest.Files(paths)
		if err != nil {
			// A test file removed, or the last one of a directory: the
			// run still runs the others, and fails it in its summary.
			files, skipped = filesLeft(paths)
		}
		code, read = r.runAll(ctx, files)
		if err != nil {
			code = exitUsage // as a path that does not exist at the start
		}
		mu.Lock()
		watched = watchedFiles(paths, files, skipped, read)
		mu.Unlock()
	}
	// The watcher started after the first run: a file saved during it
	// (seconds, while the NLU trains) is seen by its time.
	if changed := changedSince(current(), start); len(changed) > 0 {
		rerun(changed)
	}
	say()
	for {
		select {
		case <-ctx.Done():
			return code
		case err := <-errc:
			fmt.Fprintf(r.e.stderr, "baton test: --watch: %v\n", err)
			return exitRuntime
		case ch := <-changes:
			rerun(ch.Files)
			ch.Done() // the run is over: the files to watch are known
			say()
		}
	}
}

// afterFirstTestRun, when set (by tests), runs after watch's first run,
// before the watcher starts: a save during the run.
var afterFirstTestRun func()

// fsNow is the time by the clock files are dated with: the kernel dates
// a write by a coarse clock, up to a few milliseconds behind time.Now, so
// a file saved just after time.Now could look older than it. It is the
// modification time of a file made for the purpose, or time.Now when none
// can be made.
func fsNow() time.Time {
	f, err := os.CreateTemp("", "baton-watch-*")
	if err != nil {
		return time.Now()
	}
	defer os.Remove(f.Name())
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return time.Now()
	}
	return info.ModTime()
}

// changedSince lists the files (and directories) modified after t, or
// removed, sorted.
func changedSince(files map[string]string, t time.Time) []string {
	var out []string
	for p := range files {
		if info, err := os.Stat(p); err != nil || info.ModTime().After(t) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// filesLeft expands the paths that still hold tests as convtest.Files
// does, and adds those that do not as they are, for the run to fail them.
func filesLeft(paths []string) (files, skipped []string) {
	var ok, gone []string
	for _, p := range paths {
		if _, _, err := convtest.Files([]string{p}); err != nil {
			gone = append(gone, p)
		} else {
			ok = append(ok, p)
		}
	}
	if len(ok) > 0 {
		files, skipped, _ = convtest.Files(ok)
	}
	return append(files, gone...), skipped
}

// watchedFiles are the files a run read, absolute, each its own key: the
// test files, the other YAML files of the directories given, the flows
// and the files they include, the deployment configs (read); and the
// directories given with those under them (a new test file there counts).
func watchedFiles(paths, files, skipped, read []string) map[string]string {
	out := map[string]string{}
	add := func(p string) {
		if abs, err := filepath.Abs(p); err == nil {
			out[abs] = abs
		}
	}
	for _, p := range paths {
		_ = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil
			}
			if path != p && dsl.SkipDir(d.Name()) {
				return filepath.SkipDir
			}
			add(path)
			return nil
		})
	}
	for _, f := range files {
		add(f)
	}
	for _, f := range skipped {
		add(f)
	}
	for _, f := range read {
		add(f)
	}
	return out
}

// relNames lists the files that changed, relative to the working
// directory when they are under it; a directory stands for a file in it.
func relNames(files []string) string {
	wd, _ := os.Getwd()
	var names []string
	for _, f := range files {
		if rel, err := filepath.Rel(wd, f); err == nil && wd != "" && !strings.HasPrefix(rel, "..") {
			f = rel
		}
		if info, err := os.Stat(f); err == nil && info.IsDir() {
			f = "a file in " + f + string(filepath.Separator) // a new test file, or one removed
		}
		names = append(names, f)
	}
	return strings.Join(names, ", ")
}
