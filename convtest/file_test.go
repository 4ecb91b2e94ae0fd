package convtest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestParseRefusesLargeFiles: a test file is read with the same bound as a
// flow file (1 MiB), with an error that says so, not read whole.
func TestParseRefusesLargeFiles(t *testing.T) {
	src := "flow: ../flow.yaml\nconversations:\n  - name: big\n    steps:\n" +
		strings.Repeat("      - user: hello there, this is a long line of a long test\n", 20_000)
	path, errs := parseSource(t, "big_test.yaml", src)
	want := path + ": the file is larger than 1048576 bytes (1 MiB), the limit for a test file; split its conversations into several files"
	if !slices.Equal(errs, []string{want}) {
		t.Errorf("errors %q, want %q", errs, want)
	}
}

// TestParseRefusesTextThatIsNotUTF8: a test file saved as Latin-1 used
// to say "invalid YAML: invalid trailing UTF-8 octet", with
// no position and no fix; it says where the first byte that is not UTF-8
// is and to save the file as UTF-8, as a flow file does.
func TestParseRefusesTextThatIsNotUTF8(t *testing.T) {
	for _, tt := range []struct{ name, src, want string }{
		{"latin-1", "flow: ../flow.yaml\nconversations:\n  - name: caff\xe8\n    steps:\n      - user: hi\n",
			":3:15: not a text file: byte 0xE8 here is not UTF-8 (a file saved as Latin-1 or Windows-1252?); a test file is UTF-8 text: save it with the encoding UTF-8"},
		{"nul", "flow: ../flow.yaml\x00\nconversations: []\n",
			":1:19: not a text file: a NUL byte here; a test file is UTF-8 text, not binary data (is it the file you meant?)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path, errs := parseSource(t, "enc_test.yaml", tt.src)
			if want := path + tt.want; !slices.Equal(errs, []string{want}) {
				t.Errorf("errors %q, want %q", errs, want)
			}
		})
	}
}

// TestParseDuplicateConversationNames: two conversations of one file with
// the same name cannot be told apart in the report; the second name is an
// error where it is written.
func TestParseDuplicateConversationNames(t *testing.T) {
	src := `flow: ../flow.yaml
conversations:
  - name: greets
    steps:
      - user: hi
  - name: other
    steps:
      - user: hello
  - name: greets
    steps:
      - user: hey
`
	path, errs := parseSource(t, "dup_test.yaml", src)
	want := path + `:9:11: conversation name "greets" is already the name of the conversation at line 3; give each conversation its own name`
	if !slices.Equal(errs, []string{want}) {
		t.Errorf("errors %q, want %q", errs, want)
	}
}

// TestParseDefaultNameClash: a conversation without name: is called
// "conversation N"; when another conversation is explicitly named so, the
// two cannot be told apart in the report, so the unnamed one is an error
// where it starts, whichever comes first.
func TestParseDefaultNameClash(t *testing.T) {
	src := `flow: ../flow.yaml
conversations:
  - name: greets
    steps:
      - user: hi
  - steps:
      - user: hello
  - name: conversation 2
    steps:
      - user: hey
`
	path, errs := parseSource(t, "clash_test.yaml", src)
	want := path + `:6:5: this conversation has no name: and would be called "conversation 2", the name of the conversation at line 8; give it a name`
	if !slices.Equal(errs, []string{want}) {
		t.Errorf("errors %q, want %q", errs, want)
	}
}

// parseSource writes src as a test file called name in a temporary
// directory and parses it, returning its path and the errors.
func parseSource(t *testing.T, name, src string) (string, []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errs := Parse(path)
	return path, errs
}

// TestParseCloseMustBeTrue: `close: true` is the customer closing the
// conversation; `close: false` (or any other value) used to close it
// all the same, so a step meant to keep the chat open ended it. It is an
// error where it is written. A recorded `close: "true"` still reads.
func TestParseCloseMustBeTrue(t *testing.T) {
	src := `flow: ../flow.yaml
conversations:
  - name: closes
    steps:
      - user: hi
      - close: true
  - name: recorded
    steps:
      - close: "true"
  - name: does not
    steps:
      - user: hi
      - close: false
      - close: maybe
`
	path, errs := parseSource(t, "close_test.yaml", src)
	want := []string{
		path + ":13:16: close must be true (the customer closes the conversation), not \"false\"",
		path + ":14:16: close must be true (the customer closes the conversation), not \"maybe\"",
	}
	if !slices.Equal(errs, want) {
		t.Errorf("errors %q, want %q", errs, want)
	}
}

// TestParseCannedURLAndRegex: a canned response with both url: and
// url_regex: matched by the regex alone, the url: ignored without a word;
// it is an error where the response is written.
func TestParseCannedURLAndRegex(t *testing.T) {
	src := `flow: ../flow.yaml
http:
  - url: https://shop.example.com/api/orders/A1
    url_regex: '/orders/'
    status: 404
conversations:
  - name: a
    steps:
      - user: hi
`
	path, errs := parseSource(t, "canned_test.yaml", src)
	want := []string{path + ":3:5: a canned http response has both url: and url_regex:; keep one (url: is exact, url_regex: a pattern)"}
	if !slices.Equal(errs, want) {
		t.Errorf("errors %q, want %q", errs, want)
	}
}

// TestParseNowOutOfYears: a now: past the year 9000 (or before 1900) is an
// error where it is written, as baton chat's and baton sandbox's --now:
// near 9999 a timer's time cannot be written as JSON, the session was lost
// and the step failed with "the conversation is in \"\"".
func TestParseNowOutOfYears(t *testing.T) {
	src := `flow: ../flow.yaml
now: 9999-12-31T23:55:00Z
conversations:
  - name: a
    now: 1066-10-14T09:00:00Z
    steps:
      - user: hi
`
	path, errs := parseSource(t, "now_test.yaml", src)
	want := []string{
		path + ":2:6: now: 9999-12-31T23:55:00Z is in the year 9999: set the clock between the years 1900 and 9000",
		path + ":5:10: now: 1066-10-14T09:00:00Z is in the year 1066: set the clock between the years 1900 and 9000",
	}
	if !slices.Equal(errs, want) {
		t.Errorf("errors %q, want %q", errs, want)
	}
}

// TestParseWaitsPastTheYear9000: waits that together take the clock past
// the year 9000 (the bound now: keeps, before times JSON cannot hold) are
// an error at the wait that crosses it, not a session lost at run time.
func TestParseWaitsPastTheYear9000(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.yaml")
	src := "flow: flow.yaml\nnow: 8700-01-01T00:00:00Z\nconversations:\n  - steps:\n      - user: hi\n      - wait: 2000000h\n      - wait: 2000000h\n      - user: still there?\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errs := Parse(path)
	want := path + ":7:9: wait: 2000000h takes the clock to the year 9156, past 9000 (the years the sandbox's clock keeps to): start the conversation earlier (now:) or wait less"
	if !slices.Contains(errs, want) {
		t.Errorf("errors %q, want %q", errs, want)
	}
}

// TestParseYAMLErrorsWhereTheyAre: a YAML syntax error in a test file was
// reported at column 1 of the line the parser names (often the line of
// the enclosing list, above the slip), with the parser's bare words; it
// is reported where the slip is, with the hint a flow file gets.
func TestParseYAMLErrorsWhereTheyAre(t *testing.T) {
	for _, tt := range []struct{ name, src, want string }{
		{"tab", "flow: ../flow.yaml\nconversations:\n  - name: a\n    steps:\n\t  - user: hi\n",
			":5:1: invalid YAML: found character that cannot start any token (indent with spaces, not tabs; quote text starting with @ or `)"},
		{"colon in text", "flow: ../flow.yaml\nconversations:\n  - name: a\n    steps:\n      - user: hi\n        bot: Note: this\n",
			":6:18: invalid YAML: mapping values are not allowed in this context (quote text that contains \": \")"},
		{"key too far right", "flow: ../flow.yaml\nconversations:\n  - name: a\n    steps:\n      - user: hi\n        bot: hello\n          state: main\n",
			":7:11: invalid YAML: mapping values are not allowed in this context (this line starts at column 11, right of line 6's key at column 9: align the keys of one map)"},
		{"key too far left", "flow: ../flow.yaml\nconversations:\n  - name: a\n    steps:\n      - user: hi\n       bot: hello\n",
			":6:8: invalid YAML: did not find expected '-' indicator (is a quote or bracket left open, or an indent off?)"},
		{"open quote", "flow: ../flow.yaml\nconversations:\n  - name: a\n    steps:\n      - user: \"hi\n        bot: hello\n",
			":5:15: invalid YAML: found unexpected end of stream (a quote opened here is never closed)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path, errs := parseSource(t, "yaml_test.yaml", tt.src)
			if want := path + tt.want; !slices.Equal(errs, []string{want}) {
				t.Errorf("errors %q,\nwant %q", errs, want)
			}
		})
	}
}

// TestParseMistypedInput: a step whose input key is mistyped ("usr:")
// got two errors at one place, the typo and "a step needs one of user,
// button..."; the typo's "did you mean" says it all.
func TestParseMistypedInput(t *testing.T) {
	src := "flow: ../flow.yaml\nconversations:\n  - name: a\n    steps:\n      - usr: hi\n        bot: hello\n      - bot: hello\n"
	path, errs := parseSource(t, "typo_test.yaml", src)
	want := []string{
		path + `:5:9: unknown key "usr" in a step; did you mean "user"?`,
		path + `:7:9: a step needs one of user, button, media, wait, agent, ticket, close (what happens in it)`,
	}
	if !slices.Equal(errs, want) {
		t.Errorf("errors %q,\nwant %q", errs, want)
	}
}
