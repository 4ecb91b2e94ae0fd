package convtest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonbot/baton/sandbox"
)

// A test without user: runs as the customer baton chat and the web
// sandbox play by default (sandbox.DefaultContact), with id test-user.
func TestDefaultCustomer(t *testing.T) {
	desk, err := filepath.Abs("testdata/desk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	name := sandbox.DefaultContact("en").Name
	src := "flow: " + desk + "\nconversations:\n  - name: greets\n    steps:\n      - user: hi\n        bot: \"Hi " + name + "! How can I help?\"\n"
	test := filepath.Join(t.TempDir(), "t.yaml")
	if err := os.WriteFile(test, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if res := NewRunner(Options{Out: &out}).Run(context.Background(), []string{test}); !res.OK() {
		t.Errorf("the test should greet %s:\n%s", name, out.String())
	}
	tf, errs := Parse(test)
	if len(errs) > 0 {
		t.Fatal(strings.Join(errs, "\n"))
	}
	if c := tf.Replay(false, "en")[0].Contact; c.Name != name || c.ID != "test-user" {
		t.Errorf("the replay runs as %+v, want %s with id test-user", c, name)
	}
}

// A test's lang: in a three-letter code says the code meant.
func TestLangMeant(t *testing.T) {
	desk, err := filepath.Abs("testdata/desk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	test := filepath.Join(t.TempDir(), "t.yaml")
	if err := os.WriteFile(test, []byte("flow: "+desk+"\nlang: eng\nconversations:\n  - name: x\n    steps:\n      - user: hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	NewRunner(Options{Out: &out}).Run(context.Background(), []string{test})
	if want := `:2:7: lang: "eng" is not one of the flow's languages (en); did you mean "en"?`; !strings.Contains(out.String(), want) {
		t.Errorf("the report lacks %q:\n%s", want, out.String())
	}
}
