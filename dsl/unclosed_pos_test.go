package dsl

import (
	"strings"
	"testing"
)

// TestUnclosedBracketPos: an expression or a hole that ends with a
// bracket still open is reported at its last character, as on one line,
// also when it is a block scalar (| or >) or a hole whose text ends with a
// line break: not at column 1 of the line after it.
func TestUnclosedBracketPos(t *testing.T) {
	for _, tc := range []struct {
		name, state, want string
	}{
		{"plain", "    next:\n      - when: len(order) > 3 and (order != \"\"\n        goto: a\n",
			"f.yaml:8:45: error: when: unexpected token EOF"},
		{"literal", "    next:\n      - when: |\n          order != \"\"\n            and (len(order) > 3\n        goto: a\n",
			"f.yaml:10:31: error: when: unexpected token EOF"},
		{"folded", "    next:\n      - when: >\n          order != \"\"\n          and order in [\"a\", \"b\"\n        goto: a\n",
			"f.yaml:10:32: error: when: unexpected token EOF"},
		{"keep", "    next:\n      - when: |+\n          (order != \"\"\n\n        goto: a\n",
			"f.yaml:9:22: error: when: unexpected token EOF"},
		{"hole", "    say: |\n      Order {{ upper(order\n      }} now\n    next: a\n",
			"f.yaml:8:26: error: {{ }}: unexpected token EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "flow: x\nlanguages: [en]\nstart: a\nvars: {order: \"\"}\nstates:\n  a:\n" + tc.state
			_, ds := Load("f.yaml", []byte(src), noIncludes)
			if err := ds.Err(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("diagnostics:\n%v\nwant %q", err, tc.want)
			}
		})
	}
}
