package replay_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/replay"
	"github.com/batonbot/baton/replay/replaytest"
)

var update = flag.Bool("update", false, "record testdata/recorded.jsonl.gz again")

const (
	frozenFlow = "testdata/flows/support.yaml"
	recorded   = "testdata/recorded.jsonl.gz"
)

// record writes the recorded conversations the tests replay: 600
// conversations of the frozen shop flow (replaytest), with texts.
func record(t *testing.T) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err := replaytest.Generate(context.Background(), zw, 600, replaytest.Options{Flow: frozenFlow, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(recorded, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func events(t testing.TB) []byte {
	t.Helper()
	f, err := os.Open(recorded)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func conversations(t testing.TB) []*replay.Conversation {
	t.Helper()
	convs, err := replay.ReadEvents(bytes.NewReader(events(t)), recorded)
	if err != nil {
		t.Fatal(err)
	}
	return convs
}

func load(t testing.TB, path string) *flows.Flow {
	t.Helper()
	f, diags := dsl.LoadFile(path)
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	return f
}

// The recorded conversations replayed on the flow they were recorded on
// end as they did, and as the same flow as a baseline says.
func TestRecordedUnchangedFlowReportsNothing(t *testing.T) {
	if *update {
		record(t)
	}
	convs := conversations(t)
	f := load(t, frozenFlow)
	for _, o := range []replay.Options{{Flow: f}, {Flow: f, Baseline: f}} {
		rep, err := replay.Replay(context.Background(), convs, o)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Conversations != 600 || rep.Replayed != 600 || len(rep.Skipped) != 0 {
			t.Fatalf("against %s: %d read, %d replayed, skipped %v", rep.Against, rep.Conversations, rep.Replayed, rep.Skipped)
		}
		if rep.Changed != 0 {
			t.Errorf("against %s: %s; the first: %+v", rep.Against, rep.Summary, rep.Diffs[0].Changes)
		}
		if rep.Summary != "0 of 600 conversations change" {
			t.Errorf("summary %q", rep.Summary)
		}
	}
}

// copyFlow copies the frozen flow to a directory for a test to edit.
func copyFlow(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"support.yaml", "common/escalation.yaml"} {
		b, err := os.ReadFile(filepath.Join("testdata/flows", f))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "support.yaml")
}

func edit(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s has no %q", path, old)
	}
	os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644)
}

// Adding a word to the refund trigger's keywords changes exactly the
// conversations where a customer wrote that word to the bot: they now go
// to a person (billing, or the after-hours path) instead of the FAQ
// answer.
func TestChangedKeywordsReportExactlyTheConversationsTheyChange(t *testing.T) {
	// The conversations the change must report, found in the recorded
	// messages themselves.
	word := regexp.MustCompile(`(?i)\breso\b`)
	want := map[string]bool{}
	convs := conversations(t)
	for _, c := range convs {
		for i, in := range c.Inputs {
			if in.Kind == replay.InputUser && word.MatchString(in.Text) && c.Recorded.Steps[i].Handoff == nil && beforeHandoff(c, i) {
				want[c.ID] = true
			}
		}
	}
	if len(want) < 3 {
		t.Fatalf("only %d recorded conversations say the word: the recording does not test the change", len(want))
	}
	flow := copyFlow(t)
	edit(t, filepath.Join(filepath.Dir(flow), "common/escalation.yaml"),
		`it: [rimborso, rimborsare, rimborsi,`, `it: [reso, rimborso, rimborsare, rimborsi,`)
	newFlow, oldFlow := load(t, flow), load(t, frozenFlow)
	for _, o := range []replay.Options{{Flow: newFlow}, {Flow: newFlow, Baseline: oldFlow}} {
		rep, err := replay.Replay(context.Background(), convs, o)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range rep.Diffs {
			got = append(got, d.Conversation)
			if !slices.ContainsFunc(d.Changes, func(c replay.Change) bool {
				return c.Kind == replay.ChangeStates && strings.HasPrefix(c.New, "human → ")
			}) {
				t.Errorf("against %s, %s changed otherwise: %+v", rep.Against, d.Conversation, d.Changes)
			}
		}
		if len(got) != len(want) {
			t.Errorf("against %s: %d changed (%v), want the %d that say the word (%v)", rep.Against, len(got), got, len(want), keys(want))
		}
		for _, id := range got {
			if !want[id] {
				t.Errorf("against %s: %s changed but never says the word", rep.Against, id)
			}
		}
		if rep.Changed != len(want) || rep.Counts[replay.ChangeStates] != len(want) || !strings.Contains(rep.Summary, " of 600 conversations now hand off instead of being contained") {
			t.Errorf("against %s: %d changed, counts %v, summary %q", rep.Against, rep.Changed, rep.Counts, rep.Summary)
		}
	}
}

// beforeHandoff reports whether input i reached the bot (no handoff in the
// steps before it).
func beforeHandoff(c *replay.Conversation, i int) bool {
	for _, st := range c.Recorded.Steps[:i] {
		if st.Handoff != nil {
			return false
		}
	}
	return true
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// BenchmarkReplay replays the recorded conversations on a baseline and on
// a new flow (both runs), from the events' bytes: ns/op per conversation.
func BenchmarkReplay(b *testing.B) {
	data := events(b)
	f := load(b, frozenFlow)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		convs, err := replay.ReadEvents(bytes.NewReader(data), recorded)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := replay.Replay(context.Background(), convs, replay.Options{Flow: f, Baseline: f}); err != nil {
			b.Fatal(err)
		}
		n += len(convs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/conversation")
}
