package dsl

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestIncludesParsedAhead loads a flow of many included files, parsed
// ahead while others convert, with problems in several of them: the
// diagnostics and the file order are those of reading the files one by
// one, in include order.
func TestIncludesParsedAhead(t *testing.T) {
	files := map[string][]byte{
		"main.yaml": []byte("flow: x\nlanguages: [en]\nstart: s0\ninclude: [p1.yaml, p2.yaml, p3.yaml, p4.yaml, p5.yaml, p6.yaml, p7.yaml, p8.yaml]\nstates:\n  s0: {say: hi, next: s1}\n"),
		"p3.yaml":   []byte("states:\n  s3:\n    say: hi\n   next: s4\n"),              // misindented
		"p5.yaml":   []byte("include: [p3.yaml, p9.yaml]\nstates:\n  s5: {sya: hi}\n"), // p3 again, p9 missing
		"p6.yaml":   []byte("include: [p7.yaml]\nstates:\n  s6: {say: hi, next: s7}\n"),
		"p8.yaml":   []byte("states:\n  s8: {say: hi, end: true}\n  s1: {say: again}\n"),
	}
	for _, i := range []int{1, 2, 4, 7} {
		files[fmt.Sprintf("p%d.yaml", i)] = fmt.Appendf(nil, "states:\n  s%d: {say: hi, next: s%d}\n", i, i+1)
	}
	f, ds := Load("main.yaml", files["main.yaml"], readFrom(files))
	if f != nil {
		t.Fatal("a flow with errors loaded")
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.String())
	}
	want := []string{
		`p1.yaml:2:3: error: state "s1" is defined twice: here and at p8.yaml:3:3; rename one`,
		`p2.yaml:2:23: error: next: unknown state "s3"; did you mean "s0"?`,
		`p3.yaml:4:4: error: invalid YAML: did not find expected key (the keys of one map must line up: line 3 starts at column 5, this line at column 4; is one of them indented by mistake?)`,
		`p5.yaml:1:20: error: cannot include "p9.yaml": no file p9.yaml`,
		`p5.yaml:3:8: error: unknown key "sya" in state "s5"; did you mean "say"?`,
		`p8.yaml:3:3: error: state "s1" is defined twice: here and at p1.yaml:2:3; rename one`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("diagnostics:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
