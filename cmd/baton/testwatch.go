package main

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/batonbot/baton/convtest"
	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/host"
)

// watch runs the tests, then again each time the content of one of their
// files changes (host.WatchChanges, the watcher baton serve reloads flows
// with, says when to look; r.contents says what changed), until ctx is
// done. It returns the last run's exit code.
func (r *testRunner) watch(ctx context.Context, paths, files, skipped []string) int {
	out := r.e.stdout
	var (
		mu      sync.Mutex
		watched map[string]string
		code    int
		read    []string
	)
	current := func() map[string]string {
		mu.Lock()
		defer mu.Unlock()
		return watched
	}
	// run runs the tests with the files found now, remembering what it
	// read; the directories are listed before the files are looked for.
	run := func() {
		r.contents.begin(watchedFiles(paths, files, skipped, read))
		var err error
		files, skipped, err = convtest.Files(paths)
		if err != nil {
			// A test file removed, or the last one of a directory: the
			// run still runs the others, and fails it in its summary.
			files, skipped = filesLeft(paths)
		}
		code, read = r.runAll(ctx, files)
		if err != nil {
			code = exitUsage // as a path that does not exist at the start
		}
		w := watchedFiles(paths, files, skipped, read)
		r.contents.end(w)
		mu.Lock()
		watched = w
		mu.Unlock()
	}
	// again runs the tests again while a file of keys (then any file
	// watched) differs from what the last run read: a save during a run
	// is seen after it. It reports whether they ran.
	again := func(keys []string) bool {
		ran := false
		for ctx.Err() == nil {
			changed := r.contents.changed(keys)
			if testWatchChecked != nil {
				testWatchChecked(changed)
			}
			if len(changed) == 0 {
				break
			}
			fmt.Fprintf(out, "\n--- %s: %s changed; running the tests again\n", time.Now().Format("15:04:05"), relNames(changed))
			run()
			ran = true
			keys = slices.Collect(maps.Keys(current()))
		}
		return ran
	}
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

	run()
	if afterFirstTestRun != nil {
		afterFirstTestRun()
	}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	// Only the watcher's warnings: the run says itself what it watches.
	log := slog.New(slog.NewTextHandler(r.e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	changes, errc := host.WatchChanges(wctx, log, current)
	// The watcher started after the first run: a file saved during it
	// (seconds, while the NLU trains) is seen by its content.
	again(slices.Collect(maps.Keys(current())))
	say()
	for {
		select {
		case <-ctx.Done():
			return code
		case err := <-errc:
			fmt.Fprintf(r.e.stderr, "baton test: --watch: %v\n", err)
			return exitRuntime
		case ch := <-changes:
			ran := again(ch.Files)
			ch.Done() // the run is over: the files to watch are known
			if ran {
				say()
			}
		}
	}
}

// afterFirstTestRun, when set (by tests), runs after watch's first run,
// before the watcher starts: a save during the run.
var afterFirstTestRun func()

// testWatchChecked, when set (by tests), gets the files watch found
// changed each time it looked: after the first run, on each batch of
// saves, and after each run again.
var testWatchChecked func(changed []string)

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
