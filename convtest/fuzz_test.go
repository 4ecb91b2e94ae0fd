package convtest

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// lineBreaks are what the YAML parser counts as line breaks.
var lineBreaks = regexp.MustCompile("\r\n|\r|\n|\u0085|\u2028|\u2029")

// errPos reads the position of a problem: "f_test.yaml:LINE:COL: ..."
// or "f_test.yaml: ..." (no position).
var errPos = regexp.MustCompile(`^f_test\.yaml(?::(\d+):(\d+))?: \S`)

// FuzzParse: whatever a designer's editor saves, Parse never panics,
// gives a file or problems (never neither), and every problem starts with
// the file's path and, when it has a position, one inside the file.
func FuzzParse(f *testing.F) {
	f.Add([]byte("flow: ../flow.yaml\nconversations:\n  - name: hello\n    steps:\n      - user: hi\n        bot: Hello!\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		file, errs := parse("f_test.yaml", func(string) ([]byte, error) { return src, nil })
		if file == nil && len(errs) == 0 {
			t.Fatal("no file and no problem")
		}
		text := utf8.Valid(src) && !bytes.Contains(src, []byte{0})
		lines := lineBreaks.Split(string(src), -1)
		for _, e := range errs {
			m := errPos.FindStringSubmatch(e)
			if m == nil {
				t.Fatalf("problem %q does not start with the file's path and a message", e)
			}
			if m[1] == "" || !text || strings.Contains(e, "invalid YAML") {
				// The YAML parser's own line (column 1), and bytes of a
				// binary file, are checked by the tests of those cases.
				continue
			}
			line, _ := strconv.Atoi(m[1])
			col, _ := strconv.Atoi(m[2])
			if line < 1 || line > len(lines) {
				t.Fatalf("%s: line outside the file (%d lines)", e, len(lines))
			}
			if width := utf8.RuneCountInString(lines[line-1]); col < 1 || col > width+1 {
				t.Fatalf("%s: column outside line %d (%d runes)", e, line, width)
			}
		}
	})
}
