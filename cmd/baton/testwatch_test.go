package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const watchTest = `flow: ../flows/bot.yaml
now: 2026-03-03T10:30:00+01:00
conversations:
  - name: the greeting
    steps:
      - user: hi
        bot: "Hello v1"
`

// watchProject writes a flow (flows/bot.yaml, its reply "Hello v1") and
// a test of it (tests/bot.yaml) in a new directory, and returns the
// directory and the flow's path.
func watchProject(t *testing.T) (dir, flow string) {
	t.Helper()
	dir = t.TempDir()
	flow = filepath.Join(dir, "flows", "bot.yaml")
	for _, d := range []string{"flows", "tests"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeWatchFlow(t, flow, "v1")
	writeFile(t, filepath.Join(dir, "tests", "bot.yaml"), watchTest)
	return dir, flow
}

// waitSaveSeen waits for a first run that passes, then for the flow's
// save, made during it, to be seen: a second run that fails, and the
// watch going on.
func waitSaveSeen(c *liveCLI) {
	c.waitFor("1 passed, 0 failed\n", 1)
	c.waitFor("bot.yaml changed; running the tests again\n", 1)
	c.waitFor("0 passed, 1 failed\n", 1)
	c.waitFor("watching 2 files and 1 directory; Ctrl-C stops\n", 1)
}

// TestTestWatch: baton test --watch runs the tests again when the flow,
// a file it includes or a test file is saved, shows a broken flow's
// diagnostics inline, and goes on watching.
func TestTestWatch(t *testing.T) {
	dir, flow := watchProject(t)
	c := startCLI(t, "test", "--watch", filepath.Join(dir, "tests"))
	c.waitFor("1 passed, 0 failed\n", 1)
	c.waitFor("watching 2 files and 1 directory; Ctrl-C stops\n", 1)

	// The flow changes: the test fails, saying why.
	writeWatchFlow(t, flow, "v2")
	c.waitFor("bot.yaml changed; running the tests again\n", 1)
	c.waitFor("0 passed, 1 failed\n", 1)
	if !strings.Contains(c.stdout.String(), "Hello v2") {
		t.Errorf("the failure does not show the new reply:\n%s", c.stdout)
	}

	// A broken flow: its diagnostics, with their positions.
	writeFile(t, flow, strings.Replace(strings.ReplaceAll(watchFlow, "VERSION", "v2"), "next: done", "next: dnoe", 1))
	c.waitFor("0 passed, 1 failed\n", 2)
	if !strings.Contains(c.stdout.String(), flow+`:13:11: error:`) {
		t.Errorf("the flow's diagnostics are not shown:\n%s", c.stdout)
	}

	// The test file follows the flow: it passes again.
	writeWatchFlow(t, flow, "v2")
	c.waitFor("0 passed, 1 failed\n", 3)
	writeFile(t, filepath.Join(dir, "tests", "bot.yaml"), strings.Replace(watchTest, "Hello v1", "Hello v2", 1))
	c.waitFor("1 passed, 0 failed\n", 2)

	// A new test file in the directory runs at once.
	writeFile(t, filepath.Join(dir, "tests", "more.yml"), strings.NewReplacer("the greeting", "the greeting again", "Hello v1", "Hello v2").Replace(watchTest))
	c.waitFor("2 passed, 0 failed\n", 1)
	if !strings.Contains(c.stdout.String(), "a file in "+filepath.Join(dir, "tests")+"/ changed; running the tests again") {
		t.Errorf("the new file is not said:\n%s", c.stdout)
	}
	c.waitFor("watching 3 files and 1 directory; Ctrl-C stops\n", 1)
	if err := os.Remove(filepath.Join(dir, "tests", "more.yml")); err != nil {
		t.Fatal(err)
	}
	c.waitFor("1 passed, 0 failed\n", 3)

	// The flow now includes a file: saving it runs the tests again.
	common := filepath.Join(dir, "flows", "common.yaml")
	writeFile(t, common, "vars:\n  extra: \"\"\n")
	writeFile(t, flow, strings.Replace(strings.ReplaceAll(watchFlow, "VERSION", "v2"), "start: welcome", "start: welcome\ninclude: [common.yaml]", 1))
	c.waitFor("1 passed, 0 failed\n", 4)
	c.waitFor("watching 3 files and 1 directory; Ctrl-C stops\n", 2)
	writeFile(t, common, "vars:\n  extra: [\n")
	c.waitFor("0 passed, 1 failed\n", 4)
	if !strings.Contains(c.stdout.String(), common+":") {
		t.Errorf("the included file's diagnostics are not shown:\n%s", c.stdout)
	}
}

// TestTestWatchFileRemoved: a test file given on the command line that is
// removed (or the last test of a directory given) fails the run, which
// still runs the other files and ends with its "N passed, N failed" line;
// once the file is back it runs again.
func TestTestWatchFileRemoved(t *testing.T) {
	dir := t.TempDir()
	flow := filepath.Join(dir, "flows", "bot.yaml")
	a, b := filepath.Join(dir, "tests", "a.yaml"), filepath.Join(dir, "more", "b.yaml")
	for _, d := range []string{"flows", "tests", "more"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeWatchFlow(t, flow, "v1")
	writeFile(t, a, watchTest)
	writeFile(t, b, watchTest)
	c := startCLI(t, "test", "--watch", a, filepath.Join(dir, "more"))
	c.waitFor("2 passed, 0 failed\n", 1)
	// The files are watched from this line on, not from the run's summary:
	// a file removed before it goes unseen.
	c.waitFor("watching 3 files and 1 directory; Ctrl-C stops\n", 1)

	if err := os.Remove(a); err != nil {
		t.Fatal(err)
	}
	c.waitFor("FAIL  "+a+": no such file or directory\n", 1)
	c.waitFor("1 passed, 1 failed\n", 1)

	if err := os.Remove(b); err != nil {
		t.Fatal(err)
	}
	c.waitFor("FAIL  "+filepath.Join(dir, "more")+": no conversation test files in this directory", 1)
	c.waitFor("0 passed, 2 failed\n", 1)

	writeFile(t, a, watchTest)
	writeFile(t, b, watchTest)
	c.waitFor("2 passed, 0 failed\n", 2)
}

// TestTestWatchSaveDuringFirstRun: a flow saved while the first run runs
// (seconds, while the NLU trains), before the watcher starts, is picked
// up: the tests run again at once.
func TestTestWatchSaveDuringFirstRun(t *testing.T) {
	dir, flow := watchProject(t)
	afterFirstTestRun = func() {
		// A save seconds into the run (the NLU trains for seconds): the
		// test's run is faster than the filesystem's clock ticks.
		writeWatchFlow(t, flow, "v2")
		later := time.Now().Add(2 * time.Second)
		if err := os.Chtimes(flow, later, later); err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(func() { afterFirstTestRun = nil })
	c := startCLI(t, "test", "--watch", filepath.Join(dir, "tests"))
	waitSaveSeen(c)
}

// TestTestWatchSaveInTheSameTick: a flow saved during the first run in
// the same tick of the filesystem's clock as the run read it (so with
// the modification time, and here the size, it had) is picked up by its
// content: the tests run again at once.
func TestTestWatchSaveInTheSameTick(t *testing.T) {
	dir, flow := watchProject(t)
	info, err := os.Stat(flow)
	if err != nil {
		t.Fatal(err)
	}
	afterFirstTestRun = func() {
		writeWatchFlow(t, flow, "v2") // as long as v1
		if err := os.Chtimes(flow, info.ModTime(), info.ModTime()); err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(func() { afterFirstTestRun = nil })
	c := startCLI(t, "test", "--watch", filepath.Join(dir, "tests"))
	waitSaveSeen(c)
}

// TestTestWatchSameContent: a save that leaves a file as it was (a touch,
// an editor's save without changes) runs nothing; the next change does.
func TestTestWatchSameContent(t *testing.T) {
	dir, flow := watchProject(t)
	checks := make(chan []string, 16)
	testWatchChecked = func(changed []string) { checks <- changed }
	t.Cleanup(func() { testWatchChecked = nil })
	checked := func() []string {
		t.Helper()
		select {
		case changed := <-checks:
			return changed
		case <-time.After(time.Minute):
			t.Fatal("watch did not look at the files")
			return nil
		}
	}
	c := startCLI(t, "test", "--watch", filepath.Join(dir, "tests"))
	c.waitFor("watching 2 files and 1 directory; Ctrl-C stops\n", 1)
	if changed := checked(); len(changed) > 0 { // after the first run
		t.Fatalf("%v changed during the first run", changed)
	}

	writeWatchFlow(t, flow, "v1")
	if changed := checked(); len(changed) > 0 {
		t.Errorf("a save of the same content: %v changed", changed)
	}
	writeWatchFlow(t, flow, "v2")
	c.waitFor("0 passed, 1 failed\n", 1)
	if n := strings.Count(c.stdout.String(), "running the tests again"); n != 1 {
		t.Errorf("the tests ran again %d times, want once, for the change:\n%s", n, c.stdout)
	}
}
