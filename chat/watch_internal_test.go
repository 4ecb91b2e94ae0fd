package chat

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/sandbox"
)

// quiet is a display that shows nothing.
type quiet struct{}

func (quiet) event(sandbox.Event)     {}
func (quiet) input(string)            {}
func (quiet) step(stepIn)             {}
func (quiet) problem(string)          {}
func (quiet) answer(string, *session) {}
func (quiet) reloaded(reloadResult)   {}

// writeFile writes src at p.
func writeFile(t *testing.T, p, src string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// chatOn writes src as a flow file, loads it and starts a chat on it with
// cfg, shown on view; it returns the session and the flow's path.
func chatOn(t *testing.T, src string, cfg sandbox.Config, view display) (*session, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "flow.yaml")
	writeFile(t, path, src)
	f, diags := dsl.LoadFile(path)
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	cfg.Flow = f
	cs, err := newSession(path, cfg, view)
	if err != nil {
		t.Fatal(err)
	}
	return cs, path
}

// A reload refused for an error in a file the flow now includes watches
// that file too (--watch): the last good version does not include it,
// and saving the fix there must reload the flow.
func TestRefusedReloadWatchesTheFilesOfItsErrors(t *testing.T) {
	cs, path := chatOn(t, "flow: w\nlanguages: [en]\nstart: a\nstates:\n  a:\n    say: hi\n    end: true\n", sandbox.Config{Lang: "en"}, quiet{})
	f := cs.cfg.Flow
	extra := filepath.Join(filepath.Dir(path), "extra.yaml")
	write := func(p, src string) { writeFile(t, p, src) }
	cs.setWatched()
	write(extra, "states:\n  b:\n    say: hi\n    sya: oops\n    end: true\n")
	write(path, "flow: w\nlanguages: [en]\nstart: a\ninclude: [extra.yaml]\nstates:\n  a:\n    say: hi\n    end: true\n")
	cs.reload(context.Background(), []string{path})
	if _, ok := cs.watchedFiles()[extra]; !ok {
		t.Fatalf("%s is not watched after the refused reload: %v", extra, cs.watchedFiles())
	}
	if len(f.Files) != 1 {
		t.Errorf("the loaded flow's files changed: %v", f.Files)
	}
}

// A reload whose flow no longer speaks the chat's language (--lang) is
// refused, as --lang is when the chat starts: taken, it went on in the
// flow's other language while the chat still said "language en", and a
// --record file was recorded with a lang: that 'baton test' refuses.
type reloads struct {
	quiet
	got []reloadResult
}

func (r *reloads) reloaded(res reloadResult) { r.got = append(r.got, res) }

func TestReloadKeepsTheChatsLanguage(t *testing.T) {
	view := &reloads{}
	cs, path := chatOn(t, "flow: w\nlanguages: [it, en]\nstart: a\nstates:\n  a:\n    say: {it: ciao, en: hello}\n    end: true\n", sandbox.Config{Lang: "en"}, view)
	write := func(src string) { writeFile(t, path, src) }
	old := cs.sb
	write("flow: w\nlanguages: [it]\nstart: a\nstates:\n  a:\n    say: ciao\n    end: true\n")
	cs.reload(context.Background(), []string{path})
	if len(view.got) != 1 || !view.got[0].failed() || cs.sb != old {
		t.Fatalf("a flow without the chat's language was taken: %+v", view.got)
	}
	if want := `it does not speak en, the chat's language (--lang); its languages: it`; view.got[0].err.Error() != want {
		t.Errorf("error %q, want %q", view.got[0].err, want)
	}
}

// A reload whose flow no longer declares a --var variable (or declares it
// with another type) is refused, as the --var is when the chat starts:
// taken, the value was dropped without a word and a --record file kept a
// vars: that 'baton test' refuses.
func TestReloadKeepsTheChatsVars(t *testing.T) {
	view := &reloads{}
	cs, path := chatOn(t, "flow: w\nlanguages: [en]\nvars: {name: \"\"}\nstart: a\nstates:\n  a:\n    say: hi\n    end: true\n", sandbox.Config{Vars: map[string]any{"name": "Zed"}}, view)
	write := func(src string) { writeFile(t, path, src) }
	for _, tc := range []struct{ src, want string }{
		{"flow: w\nlanguages: [en]\nvars: {who: \"\"}\nstart: a\nstates:\n  a:\n    say: hi\n    end: true\n",
			`--var name: unknown variable "name" (the flow's variables: who)`},
		{"flow: w\nlanguages: [en]\nvars: {name: 0}\nstart: a\nstates:\n  a:\n    say: hi\n    end: true\n",
			`--var name: "name" is declared as a number (0), not a text`},
	} {
		old := cs.sb
		view.got = nil
		write(tc.src)
		cs.reload(context.Background(), []string{path})
		if len(view.got) != 1 || !view.got[0].failed() || cs.sb != old {
			t.Fatalf("a flow that does not take the chat's --var was taken: %+v", view.got)
		}
		if got := view.got[0].err.Error(); got != tc.want {
			t.Errorf("error %q, want %q", got, tc.want)
		}
	}
}

// eventSink keeps the analytics events written (--events).
type eventSink struct{ got []flows.Event }

func (s *eventSink) Write(_ context.Context, evs ...flows.Event) error {
	s.got = append(s.got, evs...)
	return nil
}
func (s *eventSink) Close() error { return nil }

// A reload replays the conversation under way silently: its analytics
// events (--events) are not written a second time, and the turns after
// it are written as before.
func TestReloadWritesNoEventsTwice(t *testing.T) {
	sink := &eventSink{}
	cfg := sandbox.Config{Lang: "en", Now: time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC), Fixed: true, Recorder: analytics.NewRecorder(sink)}
	src := "flow: w\nlanguages: [en]\nvars: {name: \"\"}\nstart: a\nstates:\n  a:\n    say: VERSION\n    ask:\n      save_as: name\n    next: b\n  b:\n    say: bye\n    end: true\n"
	cs, path := chatOn(t, strings.Replace(src, "VERSION", "hi", 1), cfg, quiet{})
	ctx := context.Background()
	if p, _ := cs.step(ctx, parseLine("hello")); p != "" {
		t.Fatal(p)
	}
	before := len(sink.got)
	if before == 0 {
		t.Fatal("no events before the reload")
	}
	writeFile(t, path, strings.Replace(src, "VERSION", "hello there", 1))
	cs.reload(ctx, []string{path})
	if len(sink.got) != before {
		var types []string
		for _, ev := range sink.got[before:] {
			types = append(types, string(ev.Type))
		}
		t.Errorf("the reload wrote %d events again: %v", len(sink.got)-before, types)
	}
	if p, _ := cs.step(ctx, parseLine("Zed")); p != "" {
		t.Fatal(p)
	}
	if len(sink.got) == before {
		t.Error("the turn after the reload wrote no events")
	}
}

// A reload replays a recorded chat's steps at their times (after:): the
// reminder that fired while the customer took 6 minutes fires again on
// the new flow, and the test file keeps the step's after:.
func TestReloadReplaysTheTimeBetweenSteps(t *testing.T) {
	src := "flow: w\nlanguages: [en]\nvars: {name: \"\"}\ntimeouts:\n  - after: 5m\n    say: VERSION\nstart: a\nstates:\n  a:\n    say: name?\n    ask:\n      save_as: name\n    next: b\n  b:\n    say: bye\n    end: true\n"
	t0 := time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC)
	cs, path := chatOn(t, strings.Replace(src, "VERSION", "Still there?", 1), sandbox.Config{Lang: "en", Now: t0, Fixed: true, IDPrefix: "test"}, quiet{})
	rec := filepath.Join(filepath.Dir(path), "rec.yaml")
	cs.rec = sandbox.NewRecording(rec, path, cs.sb)
	n := 0
	cs.realNow, cs.synced = func() time.Time { n++; return t0.Add(time.Duration(n) * 6 * time.Minute) }, t0
	ctx := context.Background()
	for _, l := range []string{"hi", "Ann"} {
		if p, _ := cs.step(ctx, parseLine(l)); p != "" {
			t.Fatal(p)
		}
	}
	writeFile(t, path, strings.Replace(src, "VERSION", "Are you there?", 1))
	cs.reload(ctx, []string{path})
	b, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	if want := "      - user: Ann\n        after: 6m\n        bot:\n          - Are you there?\n          - bye\n"; !strings.Contains(string(b), want) {
		t.Errorf("the file recorded again lacks %q:\n%s", want, b)
	}
}

// textOut is a text view writing to a buffer, as a piped chat shows.
func textOut() (*textView, *strings.Builder) {
	var b strings.Builder
	return &textView{w: &b}, &b
}

// /state in a chat recorded on the real clock shows the real time (to the
// second), not the time of the conversation's last step.
func TestStateShowsTheRealClockWhenRecorded(t *testing.T) {
	t0 := time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC)
	v, out := textOut()
	cs, _ := chatOn(t, "flow: w\nlanguages: [en]\nvars: {name: \"\"}\nstart: a\nstates:\n  a:\n    say: name?\n    ask:\n      save_as: name\n    next: a\n", sandbox.Config{Lang: "en", Now: t0, Fixed: true}, v)
	now := t0.Add(90 * time.Second)
	cs.realNow, cs.synced = func() time.Time { return now }, t0
	if p, _ := cs.step(context.Background(), parseLine("hi")); p != "" {
		t.Fatal(p)
	}
	now = now.Add(7*time.Minute + 500*time.Millisecond)
	v.answer("state", cs)
	if want := "clock 2026-03-03 10:38:30 UTC"; !strings.Contains(out.String(), want) {
		t.Errorf("no %q in:\n%s", want, out.String())
	}
}
