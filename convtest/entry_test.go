package convtest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunFailurePointsAtTheEntry: a failing entry of a step's vars: or
// route: is reported at that entry (the variable, the field, the tag), not
// at the vars: or route: key, in the order the file writes them.
func TestRunFailurePointsAtTheEntry(t *testing.T) {
	flow, err := filepath.Abs("../examples/flows/support.yaml")
	if err != nil {
		t.Fatal(err)
	}
	config, err := filepath.Abs("../examples/tests/configs/helpdesk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := "flow: " + flow + "\nconfig: " + config + "\nlang: it\nnow: 2026-03-03T10:30:00+01:00\nchannel: whatsapp\n" +
		"user: {id: \"+393331234567\", name: Anna, phone: \"+393331234567\"}\n" +
		"conversations:\n  - name: entries\n    steps:\n      - user: ciao\n" + // line 10
		"      - user: voglio parlare con un operatore\n" +
		"        vars:\n" +
		"          vip: true\n" + // line 13
		"          no_such: 1\n" + // line 14
		"        route:\n" +
		"          connector: zendesk\n" +
		"          team: billing\n" + // line 17
		"          tags: [whatsapp, nope]\n" // line 18
	test := filepath.Join(t.TempDir(), "t.yaml")
	if err := os.WriteFile(test, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	NewRunner(Options{Out: &out}).Run(context.Background(), []string{test})
	got := out.String()
	last := -1
	for _, want := range []string{
		test + `:13:11: vars: vip: expected true, got false`,
		test + `:14:11: vars: no_such: the flow has no variable "no_such"`,
		test + `:17:11: route team: expected "billing", got "support"`,
		test + `:18:28: route tags: expected "nope" among`,
	} {
		at := strings.Index(got, want)
		if at < 0 {
			t.Errorf("the report lacks %q:\n%s", want, got)
			continue
		}
		if at < last {
			t.Errorf("%q comes before the failure written above it:\n%s", want, got)
		}
		last = at
	}
}
