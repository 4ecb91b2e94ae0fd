package sandbox_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/convtest"
	"github.com/batonbot/baton/sandbox"
)

// An agent's reply after the ticket was solved is recorded as what
// happened: the error and the undelivered note on the handoff's ticket
// (chat --json and baton test show both), and the recording passes.
func TestRecordUndelivered(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	flow, err := filepath.Abs("../cmd/baton/testdata/flows/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC)
	sb, err := sandbox.New(sandbox.Config{Flow: shop(t), Lang: "en", Channel: "sandbox", Now: now, Fixed: true, IDPrefix: "test"})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "rec.yaml")
	rec := sandbox.NewRecording(path, flow, sb)
	for _, st := range []struct{ kind, value string }{
		{sandbox.StepUser, "hello"},
		{sandbox.StepUser, "agent"},
		{sandbox.StepAgent, "I'm here"},
		{sandbox.StepTicket, "solved"},
		{sandbox.StepAgent, "one more thing"},
	} {
		rec.Add(st.kind, st.value, sb.Run(ctx, st.kind, st.value), sb.Session())
	}
	b, err := rec.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := "events: [{type: error}, {type: undelivered, ticket: {connector: sandbox, id: test-1-2-1}}]"
	if !strings.Contains(string(b), want) {
		t.Fatalf("the recording does not expect %s:\n%s", want, b)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if res := convtest.NewRunner(convtest.Options{Out: &out}).Run(ctx, []string{path}); !res.OK() {
		t.Fatalf("the recording fails baton test:\n%s\n%s", out.String(), b)
	}
}
