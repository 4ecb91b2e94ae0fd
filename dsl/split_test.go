package dsl

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// sameTree reports where two trees differ: kinds, styles, tags, values,
// anchors, aliases, line comments and every node's line and column.
func sameTree(a, b *yaml.Node, path string) string {
	switch {
	case a == nil || b == nil:
		if a != b {
			return path + ": one tree ends"
		}
		return ""
	case a.Kind != b.Kind || a.Style != b.Style || a.Tag != b.Tag || a.Value != b.Value ||
		a.Anchor != b.Anchor || a.LineComment != b.LineComment:
		return fmt.Sprintf("%s: %+v and %+v", path, *a, *b)
	case a.Line != b.Line || a.Column != b.Column:
		return fmt.Sprintf("%s (%q): at %d:%d and %d:%d", path, a.Value, a.Line, a.Column, b.Line, b.Column)
	case len(a.Content) != len(b.Content):
		return fmt.Sprintf("%s: %d and %d children", path, len(a.Content), len(b.Content))
	case (a.Alias == nil) != (b.Alias == nil):
		return path + ": one is an alias"
	}
	if a.Alias != nil && (a.Alias.Line != b.Alias.Line || a.Alias.Column != b.Alias.Column) {
		return path + ": aliases of different nodes"
	}
	for i := range a.Content {
		if d := sameTree(a.Content[i], b.Content[i], fmt.Sprintf("%s/%d", path, i)); d != "" {
			return d
		}
	}
	return ""
}

// TestDecodeInParts: a large file decoded in parts gives the tree the
// whole file decodes to, lines and columns included.
func TestDecodeInParts(t *testing.T) {
	for _, shape := range []benchShape{denseShape, realisticShape} {
		main, files := scaledFlow(shape, 1000, 1200/shape.unitStates)
		src := files[main]
		whole := decodePart(src)
		for n := 2; n <= 5; n++ {
			cuts := cutPoints(src, n)
			if len(cuts) != n-1 {
				t.Fatalf("%s in %d parts: cut at %v", shape.name, n, cuts)
			}
			root, ok := decodeInParts(src, n)
			if !ok {
				t.Fatalf("%s in %d parts: not decoded in parts", shape.name, n)
			}
			if d := sameTree(whole, root, ""); d != "" {
				t.Fatalf("%s in %d parts: %s", shape.name, n, d)
			}
		}
	}
}

// TestDecodeCutAnywhere cuts files that hold what a cut could break at
// every line that looks like a state's key: the file is either decoded in
// parts to the same tree, or not decoded in parts at all.
func TestDecodeCutAnywhere(t *testing.T) {
	filler := "  f%d:\n    say: \"filler %d\" # a line comment\n    next: f%d\n\n"
	tricky := []string{
		// A quoted text over lines, one of which looks like a key.
		"  q1:\n    say: \"first\n  fake: still the text\"\n",
		"  q2:\n    say: 'first\n  fake: still the text'\n",
		// A flow mapping over lines.
		"  fm:\n    say: {it: a,\n  en: b}\n",
		// Block scalars.
		"  bs:\n    say: |\n      line one\n\n      line three\n    next: f0\n",
		"  bf:\n    say: >-\n      folded\n      text\n",
		// An anchor, and aliases of it further on.
		"  an:\n    set: &common {team: billing}\n",
		"  al:\n    set: *common\n",
		"  mk:\n    set:\n      <<: *common\n      priority: high\n",
		// Comments at the keys' indent and at column 0.
		"  # a section\n# a comment at column 0\n  cm:\n    end: true\n",
		// A complex key.
		"  ? cx\n  : {end: true}\n",
		// A key in quotes, and a state that is only a name.
		"  \"quoted\":\n    end: true\n  empty:\n",
		// A tagged value.
		"  tg: !!map\n    end: true\n",
	}
	var b strings.Builder
	b.WriteString("flow: x\nlanguages: [it, en]\nstart: f0\nstates:\n")
	for i := 0; i < 4; i++ {
		fmt.Fprintf(&b, filler, i, i, i+1)
	}
	for i, s := range tricky {
		b.WriteString(s)
		fmt.Fprintf(&b, filler, 10+i, 10+i, 11+i)
	}
	for _, src := range []string{b.String(), strings.TrimPrefix(b.String()[strings.Index(b.String(), "states:"):], "")} {
		whole := decodePart([]byte(src))
		if whole == nil {
			t.Fatalf("the test file does not decode:\n%s", src)
		}
		keys := stateKeyLines([]byte(src))
		if len(keys) < len(tricky) {
			t.Fatalf("%d state lines found, want more than %d", len(keys), len(tricky))
		}
		decoded := 0
		for i := 1; i < len(keys); i++ {
			for j := i; j < len(keys); j++ {
				cuts := []int{keys[i]}
				if j > i {
					cuts = append(cuts, keys[j])
				}
				root, ok := decodeCut([]byte(src), cuts)
				if !ok {
					continue
				}
				decoded++
				if d := sameTree(whole, root, ""); d != "" {
					t.Fatalf("cut at lines %q: %s", lineAtOff(src, cuts), d)
				}
			}
		}
		if decoded == 0 {
			t.Fatal("no cut decoded in parts")
		}
	}
}

func lineAtOff(src string, offs []int) []string {
	var out []string
	for _, o := range offs {
		out = append(out, src[o:o+strings.IndexByte(src[o:], '\n')])
	}
	return out
}

// TestDecodeInPartsRefuses: files not of the usual shape are not cut.
func TestDecodeInPartsRefuses(t *testing.T) {
	states := strings.Repeat("  a:\n    end: true\n  b:\n    end: true\n", 3)
	for name, src := range map[string]string{
		"key after states": "flow: x\nstates:\n" + states + "start: a\n",
		"flow style":       "flow: x\nstates: {a: {end: true},\n  b: {end: true}}\n",
		"CRLF":             strings.ReplaceAll("flow: x\nstates:\n"+states, "\n", "\r\n"),
		"no states":        "flow: x\nvars:\n" + states,
		"second document":  "flow: x\nstates:\n" + states + "---\nflow: y\n",
		"tabs":             "flow: x\nstates:\n" + states + "\tc: {}\n",
	} {
		if cuts := cutPoints([]byte(src), 3); cuts != nil {
			t.Errorf("%s: cut at %v", name, cuts)
		}
	}
}

// TestLoadInPartsSameDiagnostics loads a large flow with mistakes late in
// it decoded in parts and decoded whole: the diagnostics are the same,
// positions included.
func TestLoadInPartsSameDiagnostics(t *testing.T) {
	main, files := scaledFlow(realisticShape, 1000, 1200/realisticShape.unitStates)
	src := string(files[main])
	for _, r := range [][2]string{
		{"goto: u30_faq\n", "goto: u30_faqq\n"},
		{"call {{ phone }} about", "call {{ phonee }} about"},
		{"validate: len(answer) >= 5", "validate: len(answer) >= \"5\""},
	} {
		i := strings.LastIndex(src, r[0])
		if i < 0 {
			t.Fatalf("%q is not in the flow", r[0])
		}
		src = src[:i] + r[1] + src[i+len(r[0]):]
	}
	if parts(len(src)) < 2 {
		t.Skip("one core: nothing is decoded in parts") // cutPoints is tested above
	}
	if _, ok := decodeInParts([]byte(src), parts(len(src))); !ok {
		t.Fatal("the flow is not decoded in parts")
	}
	load := func() string {
		_, ds := Load(main, []byte(src))
		var b strings.Builder
		for _, d := range ds {
			b.WriteString(d.String() + "\n")
		}
		return b.String()
	}
	inParts := load()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	if parts(len(src)) > 1 {
		t.Fatal("still decoded in parts")
	}
	whole := load()
	if inParts != whole {
		t.Fatalf("in parts:\n%s\nwhole:\n%s", inParts, whole)
	}
	if strings.Count(whole, "\n") < 3 {
		t.Fatalf("want the three mistakes reported, got:\n%s", whole)
	}
}
