package dsl

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/batonbot/baton/flows"
)

// noIncludes keeps fuzzing off the disk.
var noIncludes = WithReadFile(func(string) ([]byte, error) { return nil, errors.New("no includes while fuzzing") })

// lineBreaks are what the YAML parser counts as line breaks.
var lineBreaks = regexp.MustCompile("\r\n|\r|\n|\u0085|\u2028|\u2029")

// checkDiags fails when a diagnostic has no file or a position outside src.
func checkDiags(t *testing.T, src []byte, f *flows.Flow, ds Diagnostics) {
	t.Helper()
	if (f == nil) != ds.HasErrors() {
		t.Fatalf("flow %v with errors %v", f != nil, ds.HasErrors())
	}
	lines := lineBreaks.Split(string(src), -1)
	for _, d := range ds {
		if d.Pos.File == "" || d.Summary == "" {
			t.Fatalf("diagnostic without file or text: %#v", d)
		}
		if d.Pos.Line == 0 {
			continue
		}
		if d.Pos.Line < 1 || d.Pos.Line > len(lines) {
			t.Fatalf("%s: line outside the file (%d lines)", d, len(lines))
		}
		if width := utf8.RuneCountInString(lines[d.Pos.Line-1]); d.Pos.Col < 1 || d.Pos.Col > width+1 {
			t.Fatalf("%s: column outside line %d (%d runes)", d, d.Pos.Line, width)
		}
	}
}

func FuzzLoad(f *testing.F) {
	f.Add([]byte("flow: x\nlanguages: [en]\nstart: s\nstates:\n  s: {say: hi, end: true}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		fl, ds := Load("f.yaml", src, noIncludes)
		if utf8.Valid(src) && !bytes.Contains(src, []byte{0}) {
			checkDiags(t, src, fl, ds)
		} else if len(ds) != 1 || !strings.HasPrefix(ds[0].Summary, "not a text file") && !strings.Contains(ds[0].Summary, "larger than") {
			t.Fatalf("binary input: %v", ds)
		}
	})
}

// FuzzExprPos puts an arbitrary expression in a when: (plain, quoted and
// block scalars) and in a template hole: every diagnostic, wherever the
// expression's error is, must point inside the file.
func FuzzExprPos(f *testing.F) {
	f.Add("order_id == \"A1\" and frustratd")
	f.Fuzz(exprPosCheck)
}

// exprPosCheck is FuzzExprPos's check for one expression.
func exprPosCheck(t *testing.T, e string) {
	{
		if !utf8.ValidString(e) || strings.ContainsRune(e, 0) {
			return
		}
		quoted, _ := json.Marshal(e)
		block := "      " + strings.ReplaceAll(e, "\n", "\n      ")
		src := "flow: x\nlanguages: [en]\nstart: s\nvars: {order_id: \"\"}\nstates:\n  s:\n" +
			"    say: " + string(quoted[:len(quoted)-1]) + " {{ " + string(quoted[1:len(quoted)-1]) + " }}\"\n" +
			"    next:\n" +
			"      - when: " + string(quoted) + "\n        goto: s\n" +
			"      - when: |\n" + block + "\n        goto: s\n" +
			"      - when: " + strings.ReplaceAll(e, "\n", " ") + "\n        goto: s\n"
		fl, ds := Load("f.yaml", []byte(src), noIncludes)
		checkDiags(t, []byte(src), fl, ds)
	}
}

// TestLineStarts checks the lines of a file, with \n alone (the fast
// path) and with every other break the YAML parser counts.
func TestLineStarts(t *testing.T) {
	for _, src := range []string{
		"", "a", "a\n", "a\nb", "\n\n", "è\n€…\n",
		"a\r\nb\rc\n", "a\u0085b\u2028c\u2029d\n", "a\nb\r", "è\u2028",
	} {
		var want []int
		for _, m := range lineBreaks.FindAllStringIndex(src, -1) {
			want = append(want, m[1])
		}
		got := newSrcFile("f.yaml", []byte(src), 0).lineStarts
		if got[0] != 0 || !slices.Equal(got[1:], want) && len(want)+len(got) > 1 {
			t.Errorf("%q: lines start at %v, want 0 then %v", src, got, want)
		}
	}
}
