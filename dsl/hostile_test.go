package dsl

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestHostileInput feeds inputs meant to hurt the loader: each must come
// back quickly with one clear error, never a panic or a flow.
func TestHostileInput(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i := 'b'; i <= 'j'; i++ {
		p := string(i - 1)
		bomb += fmt.Sprintf("%c: &%c [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n", i, i, p, p, p, p, p, p, p, p, p, p)
	}
	deep := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	deepBlock := ""
	for i := 0; i < 80; i++ {
		deepBlock += strings.Repeat("  ", i) + "k:\n"
	}
	big := "flow: big\n# " + strings.Repeat("x", MaxFileSize) + "\n"
	tests := []struct {
		name, src, want string
	}{
		{"empty", "", "f.yaml: error: the file is empty; a flow needs at least flow:, languages:, start: and states:"},
		{"blank", "  \n\n\t\n", "f.yaml: error: the file is empty; a flow needs at least flow:, languages:, start: and states:"},
		{"comments only", "# flow: x\n", "f.yaml: error: the file is empty; a flow needs at least flow:, languages:, start: and states:"},
		// Binary data and text in another encoding: where the first byte
		// that is not UTF-8 is, and how to fix it.
		{"nul bytes", "flow: x\x00\x01\x02", "f.yaml:1:8: error: not a text file: a NUL byte here; a flow file is UTF-8 text, not binary data (is it the file you meant?)"},
		{"invalid utf-8", "flow: \xff\xfe\xfd", "f.yaml:1:7: error: not a text file: byte 0xFF here is not UTF-8; a flow file is UTF-8 text: save it with the encoding UTF-8"},
		{"latin-1", "flow: x\nstates:\n  s:\n    say: Perch\xe8 \xe8 cos\xec\n", "f.yaml:4:15: error: not a text file: byte 0xE8 here is not UTF-8 (a file saved as Latin-1 or Windows-1252?); a flow file is UTF-8 text: save it with the encoding UTF-8"},
		{"latin-1 after utf-8", "flow: x\n# caf\xc3\xa9\nstart: caf\xe9\n", "f.yaml:3:11: error: not a text file: byte 0xE9 here is not UTF-8 (a file saved as Latin-1 or Windows-1252?); a flow file is UTF-8 text: save it with the encoding UTF-8"},
		{"utf-16le", "\xff\xfef\x00l\x00o\x00w\x00:\x00", "f.yaml:1:1: error: not a text file: the file is saved as UTF-16; a flow file is UTF-8 text: save it with the encoding UTF-8"},
		{"utf-16be", "\xfe\xff\x00f\x00l", "f.yaml:1:1: error: not a text file: the file is saved as UTF-16; a flow file is UTF-8 text: save it with the encoding UTF-8"},
		{"too large", big, "f.yaml: error: the file is larger than 1048576 bytes (1 MiB), the limit for a flow file; split it with include:"},
		{"alias bomb", bomb, "f.yaml: error: aliases expand to more than 1000000 YAML nodes (an alias bomb?); write the values out or use fewer nested aliases"},
		{"alias cycle", "a: &a [*a]\n", "f.yaml:1:4: error: an alias refers to the node that contains it; remove the alias"},
		{"deep flow nesting", deep, "f.yaml:1:66: error: nesting deeper than 64 levels (aliases expanded); a flow never needs that much, flatten it"},
		{"deep block nesting", deepBlock, "f.yaml:65:129: error: nesting deeper than 64 levels (aliases expanded); a flow never needs that much, flatten it"},
		{"two documents", "flow: a\n---\nflow: b\n", "f.yaml:2:1: error: a flow file holds one YAML document; remove the second one (after ---) or move it to its own file"},
		{"not a map", "- a\n- b\n", "f.yaml:1:1: error: expected the flow file (a map), got a list"},
		{"scalar", "hello\n", "f.yaml:1:1: error: expected the flow file (a map), got a string"},
		{"unknown anchor", "a: *nope\n", "f.yaml:1:4: error: invalid YAML: unknown anchor 'nope' referenced; define it with &nope before using it"},
		{"tabs", "flow: x\nstates:\n\ts: {}\n", "f.yaml:3:1: error: invalid YAML: found character that cannot start any token (indent with spaces, not tabs; quote text starting with @ or `)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			f, ds := Load("f.yaml", []byte(tt.src))
			if f != nil {
				t.Error("got a flow")
			}
			if len(ds) != 1 {
				t.Fatalf("got %d diagnostics, want 1: %v", len(ds), ds)
			}
			if got := ds[0].String(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// TestHostileReadLimit checks that LoadFile does not read a huge file
// whole: the default reader stops one byte past the limit.
func TestHostileReadLimit(t *testing.T) {
	path := t.TempDir() + "/huge.yaml"
	if err := writeFile(path, bytes.Repeat([]byte("# padding\n"), 1_100_000)); err != nil {
		t.Fatal(err)
	}
	_, ds := LoadFile(path)
	if len(ds) != 1 || !strings.Contains(ds[0].Summary, "larger than 1048576 bytes") {
		t.Fatalf("diagnostics = %v", ds)
	}
	src, err := ReadLimited(path)
	if err != nil || len(src) != MaxFileSize+1 {
		t.Errorf("read %d bytes, err %v; want %d", len(src), err, MaxFileSize+1)
	}
}

func TestMissingFile(t *testing.T) {
	_, ds := LoadFile("testdata/no/such/flow.yaml")
	if got, want := ds.Err().Error(), "testdata/no/such/flow.yaml: error: cannot read the file: it does not exist"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestYAMLErrorPositions: a parser error is reported where it is, not at
// the start of the map or list that encloses it.
func TestYAMLErrorPositions(t *testing.T) {
	head := "flow: x\nlanguages: [en]\nstart: a\nstates:\n  a:\n    say: hi\n    next: b\n"
	for _, tc := range []struct {
		name, src, want string
	}{
		{"a key indented one space deeper, then its sibling",
			head + "  b:\n     say: \"there\"\n    end: true\n",
			"f.yaml:10:5: error: invalid YAML: did not find expected key (the keys of one map must line up: line 9 starts at column 6, this line at column 5; is one of them indented by mistake?)"},
		{"a key indented one space deeper than its sibling",
			head + "  b:\n    say: \"hi\"\n     say: \"there\"\n    end: true\n",
			"f.yaml:10:6: error: invalid YAML: did not find expected key (this line starts at column 6, right of line 9's key at column 5: align the keys of one map)"},
		{"an unclosed quote",
			head + "  b:\n    say: \"unclosed\n    end: true\n",
			"f.yaml:9:10: error: invalid YAML: found unexpected end of stream (a quote opened here is never closed)"},
		{"a key indented under a value",
			head + "  b:\n    say: hi\n      end: true\n",
			"f.yaml:10:7: error: invalid YAML: mapping values are not allowed in this context (this line starts at column 7, right of line 9's key at column 5: align the keys of one map)"},
		{"a key indented under a list item's value",
			head + "  b:\n    do:\n      - say: hi\n          end: true\n",
			"f.yaml:11:11: error: invalid YAML: mapping values are not allowed in this context (this line starts at column 11, right of line 10's key at column 9: align the keys of one map)"},
		{"a value with a colon",
			head + "  b:\n    say: Note: this\n    end: true\n",
			"f.yaml:9:14: error: invalid YAML: mapping values are not allowed in this context (quote text that contains \": \")"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ds := Load("f.yaml", []byte(tc.src))
			if len(ds) != 1 || ds[0].String() != tc.want {
				t.Errorf("diagnostics:\n%v\nwant:\n%s", ds, tc.want)
			}
		})
	}
}
