package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestInitPassesValidateAndTest: for each language (and two at once), the
// scaffold validates without a warning in its flow, its config validates,
// and its conversation tests pass, as written.
func TestInitPassesValidateAndTest(t *testing.T) {
	for _, lang := range []string{"it", "en", "es", "it,en"} {
		t.Run(lang, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "acme-support")
			code, stdout, stderr := runCLI(t, "", "init", "--lang", lang, dir)
			wantCode(t, code, exitOK, stdout, stderr)
			for _, f := range []string{"flows/bot.yaml", "tests/bot.yaml", "baton.yaml", "README.md", "flow.schema.json", "config.schema.json"} {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Errorf("%s was not written: %v", f, err)
				}
				if !strings.Contains(stdout, "  "+f+"\n") {
					t.Errorf("the output does not list %s:\n%s", f, stdout)
				}
			}
			code, stdout, stderr = runCLI(t, "", "validate", dir)
			wantCode(t, code, exitOK, stdout, stderr)
			wantLangs := "languages " + strings.ReplaceAll(lang, ",", ", ")
			if !strings.Contains(stdout, `flow "acme-support", 12 states, `+wantLangs) || strings.Contains(stdout+stderr, "warning") {
				t.Errorf("validate:\n%s%s", stdout, stderr)
			}
			code, stdout, stderr = runCLI(t, "", "validate", "--config", filepath.Join(dir, "baton.yaml"))
			wantCode(t, code, exitOK, stdout, stderr)
			code, stdout, stderr = runCLI(t, "", "test", dir)
			wantCode(t, code, exitOK, stdout, stderr)
			want := 5 + strings.Count(lang, ",")
			if !regexp.MustCompile(`(?m)^` + strconv.Itoa(want) + ` passed, 0 failed$`).MatchString(stdout) {
				t.Errorf("test: want %d passed:\n%s", want, stdout)
			}
			readme, _ := os.ReadFile(filepath.Join(dir, "README.md"))
			for _, cmd := range []string{"baton chat --watch flows/bot.yaml", "baton test tests/", "baton validate --config baton.yaml", "baton serve --config baton.yaml"} {
				if !bytes.Contains(readme, []byte(cmd)) {
					t.Errorf("the README does not say %q", cmd)
				}
			}
		})
	}
}

// TestInitOddNames: a --name with template braces or a line break (pasted)
// still gives a scaffold that passes validate and test as written, the
// name said as the customer reads it.
func TestInitOddNames(t *testing.T) {
	for _, name := range []string{"Pizza {{ Mario }}", "Acme\nSupport", "Tab\there"} {
		dir := filepath.Join(t.TempDir(), "bot")
		code, stdout, stderr := runCLI(t, "", "init", "--lang", "en", "--name", name, dir)
		wantCode(t, code, exitOK, stdout, stderr)
		code, stdout, stderr = runCLI(t, "", "validate", "--config", filepath.Join(dir, "baton.yaml"))
		if code != exitOK || strings.Contains(stdout+stderr, ": error:") {
			t.Errorf("--name %q: validate --config exits %d:\n%s%s", name, code, stdout, stderr)
		}
		code, stdout, stderr = runCLI(t, "", "test", dir)
		if code != exitOK {
			t.Errorf("--name %q: test exits %d:\n%s%s", name, code, stdout, stderr)
		}
	}
}

// TestInitRefusesANonEmptyDir: a directory with files is kept as it is
// unless --force, which writes the scaffold and keeps the other files.
func TestInitRefusesANonEmptyDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "notes.txt"), "mine")
	writeFile(t, filepath.Join(dir, "README.md"), "my readme")
	code, stdout, stderr := runCLI(t, "", "init", "--lang", "en", dir)
	wantCode(t, code, exitUsage, stdout, stderr)
	if !strings.Contains(stderr, dir+" is not empty; give a new directory") {
		t.Errorf("stderr:\n%s", stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "README.md")); string(b) != "my readme" {
		t.Errorf("the README was changed: %s", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "flows")); err == nil {
		t.Error("flows/ was written into a directory that is not empty")
	}
	code, stdout, stderr = runCLI(t, "", "init", "--lang", "en", "--force", dir)
	wantCode(t, code, exitOK, stdout, stderr)
	if b, _ := os.ReadFile(filepath.Join(dir, "notes.txt")); string(b) != "mine" {
		t.Errorf("--force lost another file: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "README.md")); string(b) == "my readme" {
		t.Error("--force did not write the README")
	}
}

// TestInitLanguage: an unknown --lang is a usage error; without --lang a
// terminal is asked (again after a wrong answer), anything else gets
// English and is told how to choose.
func TestInitLanguage(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "init", "--lang", "fr", filepath.Join(t.TempDir(), "x"))
	wantCode(t, code, exitUsage, stdout, stderr)
	if !strings.Contains(stderr, `no scaffold in language "fr": choose among en, es, it`) {
		t.Errorf("stderr:\n%s", stderr)
	}

	dir := filepath.Join(t.TempDir(), "x")
	code, stdout, stderr = runCLI(t, "it\n", "init", dir)
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.Contains(stderr, "the bot speaks English (--lang it, en or es chooses)") {
		t.Errorf("stderr:\n%s", stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "flows", "bot.yaml")); !bytes.Contains(b, []byte("languages: [en]")) {
		t.Errorf("the flow is not in English:\n%s", b)
	}

	for _, tc := range []struct {
		answers []string
		want    []string
	}{
		{[]string{"es"}, []string{"es"}},
		{[]string{""}, []string{"en"}},
		{[]string{"fr", "IT, en"}, []string{"it", "en"}},
	} {
		var errb bytes.Buffer
		e := &env{stderr: &errb}
		asked := 0
		got, err := initLangs(e, "", func(q string) string {
			if !strings.HasPrefix(q, "Which language will the bot speak? it (Italian), en (English) or es (Spanish)") {
				t.Errorf("asked %q", q)
			}
			asked++
			return tc.answers[asked-1]
		})
		if err != nil || !slices.Equal(got, tc.want) || asked != len(tc.answers) {
			t.Errorf("answers %q: %v, %v after %d questions; want %v", tc.answers, got, err, asked, tc.want)
		}
		if len(tc.answers) > 1 && !strings.Contains(errb.String(), `no scaffold in language "fr"`) {
			t.Errorf("a wrong answer is not explained: %s", errb.String())
		}
	}
}

// A DIR that is a file is a usage error that says so (it was exit 3 with
// "open x: not a directory").
func TestInitIntoAFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.yaml")
	writeFile(t, path, "mine")
	code, stdout, stderr := runCLI(t, "", "init", "--lang", "en", path)
	wantCode(t, code, exitUsage, stdout, stderr)
	if !strings.Contains(stderr, path+" is a file, not a directory") {
		t.Errorf("stderr:\n%s", stderr)
	}
	if b, _ := os.ReadFile(path); string(b) != "mine" {
		t.Errorf("the file was changed: %q", b)
	}
}

// TestAskLineReadsTheWholeLine: an answer is read to the end of its line,
// not cut at 64 bytes with the rest left for the next question (or the
// chat) to read; a line past maxAnswer keeps its first maxAnswer bytes.
func TestAskLineReadsTheWholeLine(t *testing.T) {
	long := "it, en, es " + strings.Repeat("and the rest of a long answer ", 3)
	huge := strings.Repeat("x", maxAnswer+100)
	var errb bytes.Buffer
	e := &env{stdin: strings.NewReader(long + "\n" + huge + "\nit\n"), stderr: &errb}
	if got := askLine(e, "q1? "); got != strings.TrimSpace(long) {
		t.Errorf("first answer %q, want %q", got, strings.TrimSpace(long))
	}
	if got := askLine(e, "q2? "); got != huge[:maxAnswer] {
		t.Errorf("second answer of %d bytes, want the first %d", len(got), maxAnswer)
	}
	if got := askLine(e, "q3? "); got != "it" {
		t.Errorf("third answer %q, want it", got)
	}
}
