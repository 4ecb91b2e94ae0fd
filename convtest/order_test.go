package convtest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestRunFailuresInFileOrder: a step's failing checks print in the order
// the test file writes them, not the order they are evaluated in.
func TestRunFailuresInFileOrder(t *testing.T) {
	desk, err := filepath.Abs("testdata/desk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := "flow: " + desk + "\nlang: en\nconfig: \"\"\nconversations:\n  - name: order\n    steps:\n      - user: hi\n" +
		"        ended: true\n" + // line 8
		"        lifecycle: closed\n" +
		"        events: [{type: nope}]\n" +
		"        vars: {order_id: A1}\n" +
		"        state: faq\n" +
		"        options: [Nope]\n" +
		"        bot: Bye\n" // line 14
	test := filepath.Join(t.TempDir(), "t.yaml")
	if err := os.WriteFile(test, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	NewRunner(Options{Out: &out}).Run(context.Background(), []string{test})
	last := -1
	for i, key := range []string{"ended", "lifecycle", "events", "vars", "state", "options", "bot"} {
		col := ":9: " // at the key; vars: at its variable's entry
		if key == "vars" {
			col = ":16: "
		}
		at := strings.Index(out.String(), test+":"+strconv.Itoa(8+i)+col+key+":")
		if at < 0 {
			t.Fatalf("the report lacks the failure of %s:\n%s", key, out.String())
		}
		if at < last {
			t.Errorf("%s: is printed before the check written above it:\n%s", key, out.String())
		}
		last = at
	}
}
