package dsl

import (
	"strings"
	"testing"
)

// TestWeekdayComparedToNumber: now.Weekday() and now.Month() are not
// numbers to expr; comparing one with a number is an error that says how
// to write it, not only "mismatched types time.Weekday and int".
func TestWeekdayComparedToNumber(t *testing.T) {
	for _, tc := range []struct{ when, want string }{
		{"now.Weekday() == 0", `x.yaml:7:29: error: when: invalid operation: == (mismatched types time.Weekday and int); compare int(now.Weekday()) with a number (0 is Sunday) or now.Weekday().String() with a name ("Sunday")`},
		{"now.Month() >= 6", `x.yaml:7:27: error: when: invalid operation: >= (mismatched types time.Month and int); compare int(now.Month()) with a number (1 is January) or now.Month().String() with a name ("January")`},
	} {
		src := "flow: x\nlanguages: [en]\nstart: s\nstates:\n  s:\n    next:\n      - when: " + tc.when + "\n        goto: s\n      - end: true\n"
		_, ds := Load("x.yaml", []byte(src))
		if !ds.HasErrors() || !strings.Contains(ds.Err().Error(), tc.want) {
			t.Errorf("%s: %v\nwant %s", tc.when, ds.Err(), tc.want)
		}
	}
	src := "flow: x\nlanguages: [en]\nstart: s\nstates:\n  s:\n    next:\n      - when: int(now.Weekday()) == 0 and int(now.Month()) == 6\n        goto: s\n      - end: true\n"
	if _, ds := Load("x.yaml", []byte(src)); ds.HasErrors() {
		t.Errorf("int(now.Weekday()): %v", ds.Err())
	}
}
