package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestRecordRefusesToOverwrite: an existing file is kept unless --force,
// and the chat does not start.
func TestRecordRefusesToOverwrite(t *testing.T) {
	rec := filepath.Join(t.TempDir(), "mine.yaml")
	writeFile(t, rec, "# a test someone wrote\n")
	code, stdout, stderr := runCLI(t, "hi\n", "chat", "--record", rec, "testdata/flows/shop.yaml")
	wantCode(t, code, exitUsage, stdout, stderr)
	if !strings.Contains(stderr, "--record "+rec+" exists; add --force to replace it, or record to another file") || stdout != "" {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	if b, _ := os.ReadFile(rec); string(b) != "# a test someone wrote\n" {
		t.Fatalf("the file was changed:\n%s", b)
	}
	code, stdout, stderr = runCLI(t, "hi\n", "chat", "--force", "--record", rec, "testdata/flows/shop.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	if b, _ := os.ReadFile(rec); !strings.Contains(string(b), "- user: hi") {
		t.Fatalf("--force did not replace the file:\n%s", b)
	}
}

// TestRecordAsksOnATerminal: prepareRecord asks before replacing a file
// when it can, and only "y" or "yes" replaces it.
func TestRecordAsksOnATerminal(t *testing.T) {
	rec := filepath.Join(t.TempDir(), "mine.yaml")
	writeFile(t, rec, "x")
	for _, tc := range []struct {
		answer string
		ok     bool
	}{{"y\n", true}, {"yes\nhi\n", true}, {"\n", false}, {"no\n", false}} {
		var out, errb bytes.Buffer
		in := strings.NewReader(tc.answer)
		e := &env{stdin: in, stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
		code, ok := prepareRecord(e, rec, false, func(q string) bool { return askYes(e, q) })
		if ok != tc.ok || (!ok && code != exitUsage) {
			t.Errorf("answer %q: ok %v, code %d; want ok %v", tc.answer, ok, code, tc.ok)
		}
		if !strings.Contains(errb.String(), rec+" exists. Replace it with this conversation? [y/N] ") {
			t.Errorf("answer %q: the question was not asked:\n%s", tc.answer, errb.String())
		}
		if tc.answer == "yes\nhi\n" && in.Len() != 3 {
			t.Errorf("the answer took more than its line: %d bytes left", in.Len())
		}
	}
}

// TestRecordUnwritableFailsFast: a file that cannot be written is said
// before the chat starts (nothing is read or answered), with the exit
// codes --help lists.
func TestRecordUnwritableFailsFast(t *testing.T) {
	code, stdout, stderr := runCLI(t, "hi\n", "chat", "--record", filepath.Join(t.TempDir(), "no", "such", "dir", "t.yaml"), "testdata/flows/shop.yaml")
	wantCode(t, code, exitUsage, stdout, stderr)
	if !strings.Contains(stderr, "does not exist") || stdout != "" {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, "hi\n", "chat", "--record", t.TempDir(), "testdata/flows/shop.yaml")
	wantCode(t, code, exitUsage, stdout, stderr)
	if !strings.Contains(stderr, "is a directory") {
		t.Errorf("stderr:\n%s", stderr)
	}

	ro := t.TempDir()
	if err := os.Chmod(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(ro, 0o755) })
	if os.Geteuid() == 0 { // root writes anywhere but in sysfs
		if runtime.GOOS != "linux" {
			t.Skip("no directory root cannot write in")
		}
		ro = "/sys"
	}
	code, stdout, stderr = runCLI(t, "hi\n", "chat", "--record", filepath.Join(ro, "t.yaml"), "testdata/flows/shop.yaml")
	wantCode(t, code, exitRuntime, stdout, stderr)
	if !strings.Contains(stderr, "cannot write in "+ro) || stdout != "" {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}

	_, help, _ := runCLI(t, "", "chat", "--help")
	for _, want := range []string{"\n  0  the input ended", "\n  1  the flow", "\n  2  usage errors", "\n  3  when something outside fails: the --record file cannot be written"} {
		if !strings.Contains(help, want) {
			t.Errorf("chat --help does not list %q:\n%s", want, help)
		}
	}
}

// TestRecordInvalidUTF8: a line that is not UTF-8 is said, its bytes
// replaced, and the recording is kept and passes.
func TestRecordInvalidUTF8(t *testing.T) {
	rec := filepath.Join(t.TempDir(), "t.yaml")
	code, stdout, stderr := runCLI(t, "hi\nagent \xff\xfe here\n", "chat", "--record", rec, "--now", "2026-03-03T10:30:00+01:00", "testdata/flows/shop.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.Contains(stdout, "! the line was not valid UTF-8: its invalid bytes were replaced with \uFFFD") {
		t.Errorf("the bad line is not reported:\n%s", stdout)
	}
	b, err := os.ReadFile(rec)
	if err != nil {
		t.Fatalf("the recording was lost: %v\nstderr:\n%s", err, stderr)
	}
	if !strings.Contains(string(b), "- user: \"agent \uFFFD here\"") && !strings.Contains(string(b), "- user: agent \uFFFD here") {
		t.Errorf("the line is not recorded with its bytes replaced:\n%s", b)
	}
	code, stdout, stderr = runCLI(t, "", "test", rec)
	wantCode(t, code, exitOK, stdout, stderr)
}

// TestRecordWritesEveryStep: the file holds each step as soon as it ran,
// so a chat that dies keeps what was said.
func TestRecordWritesEveryStep(t *testing.T) {
	rec := filepath.Join(t.TempDir(), "t.yaml")
	pr, pw := io.Pipe()
	var out, errb bytes.Buffer
	e := &env{stdin: pr, stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	done := make(chan int)
	go func() {
		done <- run(context.Background(), e, []string{"chat", "--json", "--record", rec, "--now", "2026-03-03T10:30:00+01:00", "testdata/flows/shop.yaml"})
	}()
	for i, line := range []string{"hi", "1"} {
		if _, err := io.WriteString(pw, line+"\n"); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(2 * time.Minute) // ends a hang; the first line waits for the NLU prior's training
		for {
			b, _ := os.ReadFile(rec)
			if strings.Count(string(b), "- user:") == i+1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after line %d the file holds:\n%s", i+1, b)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	pw.Close()
	if code := <-done; code != exitOK {
		t.Fatalf("exit %d\n%s", code, errb.String())
	}
}

// TestRecordKeepsErrors: a step the flow survived with an error (an
// agent's reply with no handoff) is recorded expecting it, so the
// recording passes as it is.
func TestRecordKeepsErrors(t *testing.T) {
	rec := filepath.Join(t.TempDir(), "t.yaml")
	code, stdout, stderr := runCLI(t, "hi\n/agent hello\n", "chat", "--record", rec, "--now", "2026-03-03T10:30:00+01:00", "testdata/flows/shop.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	b, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "events: [{type: error}]") {
		t.Errorf("the error is not expected in the recording:\n%s", b)
	}
	code, stdout, stderr = runCLI(t, "", "test", rec)
	wantCode(t, code, exitOK, stdout, stderr)
}

// TestRecordNeverOverTheFlow: --record naming the flow itself, a file it
// includes or the --config replaced it with the test file, --force or a
// "y" on a terminal, and the designer's flow was lost. It is refused
// before the chat starts, --force or not, and the file is kept.
func TestRecordNeverOverTheFlow(t *testing.T) {
	dir := t.TempDir()
	flow := filepath.Join(dir, "bot.yaml")
	part := filepath.Join(dir, "part.yaml")
	writeFile(t, part, "states:\n  b:\n    say: bye\n    end: true\n")
	writeFile(t, flow, "flow: w\nlanguages: [en]\ninclude: [part.yaml]\nstart: a\nstates:\n  a:\n    say: hi\n    next: b\n")
	for _, rec := range []string{flow, part, filepath.Join(dir, ".", "bot.yaml")} {
		before, _ := os.ReadFile(rec)
		code, stdout, stderr := runCLI(t, "hi\n", "chat", "--record", rec, "--force", flow)
		wantCode(t, code, exitUsage, stdout, stderr)
		if !strings.Contains(stderr, "is a file of the flow; record to another file, e.g.") {
			t.Errorf("--record %s: stderr:\n%s", rec, stderr)
		}
		if after, _ := os.ReadFile(rec); string(after) != string(before) {
			t.Errorf("--record %s replaced the flow's file:\n%s", rec, after)
		}
	}
	conf := filepath.Join(dir, "baton.yaml")
	writeFile(t, conf, "teams: {}\n")
	code, stdout, stderr := runCLI(t, "hi\n", "chat", "--config", conf, "--record", conf, "--force", flow)
	wantCode(t, code, exitUsage, stdout, stderr)
	if !strings.Contains(stderr, "--record "+conf+" is the --config; record to another file") {
		t.Errorf("stderr:\n%s", stderr)
	}
	if b, _ := os.ReadFile(conf); string(b) != "teams: {}\n" {
		t.Errorf("the config was replaced:\n%s", b)
	}
}
