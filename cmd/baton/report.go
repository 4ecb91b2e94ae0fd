package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/analytics/kpi"
	"github.com/batonbot/baton/analytics/report"
	"github.com/batonbot/baton/flows"
)

var reportCmd = &command{
	name:    "report",
	usage:   "report [options] EVENTS...",
	summary: "compute the KPIs from analytics events (terminal, --json, --html)",
}

func init() {
	reportCmd.run = runReport
	register(reportCmd)
}

const reportAbout = `
Reads analytics events (the JSONL files written by --events or by
'baton serve', rotated files included, '-' for stdin, or the Valkey
stream 'baton serve' writes: redis://host:port with --stream KEY), one
at a time,
and prints the KPIs a support lead runs the bot by: containment,
escalations by reason, fallback rate, the state funnel with drop-off,
first response and resolution times against the SLA per team and
priority, first contact resolution, CSAT, NPS and CES with response
rates, and volume by hour and weekday. docs/analytics.md defines each.

Memory stays bounded whatever the number of events (open conversations,
recent contacts and quantile sketches are kept, never the events).

--json prints one JSON object; --html FILE writes a self-contained page
with charts (no network needed to open it).

Exit status: 0 on success, 1 when an events file is malformed, 2 for
usage errors (an events file that does not exist too), 3 when a file
cannot be read or written or a Valkey stream cannot be reached.`

func runReport(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(reportCmd, reportAbout, e.stderr)
	var o kpi.Options
	from := fs.String("from", "", "count from this `time` (RFC 3339, or a date: 2026-03-01, midnight in --tz, else UTC)")
	to := fs.String("to", "", "count until this `time`, excluded (RFC 3339, or a date: the day is excluded)")
	fs.StringVar(&o.Flow, "flow", "", "only this `flow`'s conversations")
	fs.StringVar(&o.Team, "team", "", "only the handoffs (and their surveys) of this `team`")
	fs.StringVar(&o.Channel, "channel", "", "only this `channel`'s conversations")
	fs.StringVar(&o.Lang, "lang", "", "only conversations in this `language`")
	fs.DurationVar(&o.AbandonAfter, "abandon-after", 30*time.Minute, "an unfinished conversation whose last bot message went unanswered this `long` is abandoned")
	fs.DurationVar(&o.Expire, "expire", 24*time.Hour, "an unfinished conversation idle this `long` is counted (abandoned, handed off or expired)")
	tz := fs.String("tz", "", "the time `zone` of volume by hour and of the series (default: the events' own offsets)")
	asJSON := fs.Bool("json", false, "print the KPIs as one JSON object")
	html := fs.String("html", "", "also write a self-contained HTML report with charts to `FILE`")
	title := fs.String("title", "", "the HTML report's `title`")
	stream := fs.String("stream", "baton:events", "the stream `key` read from an EVENTS that is a Valkey URL (redis://host:port)")
	paths, code, done := parseFlags(e, fs, args)
	if done {
		return code
	}
	if len(paths) == 0 {
		return usageError(e, reportCmd, "give the events files (or - for stdin)")
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"abandon-after", o.AbandonAfter}, {"expire", o.Expire}} {
		if d.v <= 0 {
			return usageError(e, reportCmd, "--%s %s: give a duration above 0 (30m, 24h)", d.name, d.v)
		}
	}
	if o.Expire < o.AbandonAfter {
		return usageError(e, reportCmd, "--expire %s is shorter than --abandon-after %s: a conversation is abandoned before it is given up on", o.Expire, o.AbandonAfter)
	}
	var err error
	if *tz != "" {
		if o.Location, err = time.LoadLocation(*tz); err != nil {
			return usageError(e, reportCmd, "--tz %q is not a time zone (write it like Europe/Rome or UTC)", *tz)
		}
	}
	if o.From, err = parseWhen(*from, o.Location); err != nil {
		return usageError(e, reportCmd, "--from: %v", err)
	}
	if o.To, err = parseWhen(*to, o.Location); err != nil {
		return usageError(e, reportCmd, "--to: %v", err)
	}
	if !o.From.IsZero() && !o.To.IsZero() && !o.To.After(o.From) {
		return usageError(e, reportCmd, "--to %s is not after --from %s: the period would be empty (--to's day is excluded)", *to, *from)
	}
	seen := map[string]os.FileInfo{}
	for _, p := range paths {
		if p == "-" || analytics.IsStreamURL(p) {
			continue
		}
		if msg := pathProblem("", p); msg != "" {
			return usageError(e, reportCmd, "%s", msg)
		}
		fi, err := os.Stat(p)
		if err != nil {
			continue
		}
		for q, other := range seen {
			if os.SameFile(fi, other) {
				return usageError(e, reportCmd, "%s is given twice (as %s and %s): its events would count twice", p, q, p)
			}
		}
		seen[p] = fi
	}
	if *html != "" {
		// Checked before anything is read: a large report takes seconds.
		if msg := pageProblem(*html, seen); msg != "" {
			return usageError(e, reportCmd, "%s", msg)
		}
		if msg := outputProblem(*html); msg != "" {
			fmt.Fprintf(e.stderr, "baton report: --html %s; write the report somewhere else\n", msg)
			return exitRuntime
		}
	}
	// The computer leaves out the events dated after the report's time
	// (as it does for any program feeding it); the warning names where
	// each was read.
	future := newFutureEvents(e, "report", "left out of the KPIs")
	var at struct {
		name    string
		line    int
		leftOut bool
	}
	o.Now = func() time.Time { return future.now }
	o.OnFuture = func(ev *flows.Event) {
		future.warn(ev, at.name, at.line)
		at.leftOut = true
	}
	c := kpi.New(o)
	// latest is the latest event time read so far; a file whose events
	// start well before it was given out of order.
	var latest time.Time
	for _, p := range paths {
		first, before := true, latest
		name := p
		if p == "-" {
			name = "stdin"
		}
		add := func(ev *flows.Event, line int) error {
			at.name, at.line, at.leftOut = name, line, false
			if c.Add(ev); at.leftOut {
				return ctx.Err()
			}
			if first && !ev.At.IsZero() {
				first = false
				if d := before.Sub(ev.At); !before.IsZero() && d > time.Hour {
					fmt.Fprintf(e.stderr, "baton report: warning: %s: its events start %s before the end of the events read before it; the KPIs follow the events in order: give the files in the order they were written (rotated files first: events*.jsonl)\n",
						p, d.Round(time.Minute))
				}
			}
			if ev.At.After(latest) {
				latest = ev.At
			}
			return ctx.Err()
		}
		if analytics.IsStreamURL(p) {
			err = analytics.ScanStream(ctx, p, *stream, func(ev *flows.Event) error { return add(ev, 0) })
		} else if p == "-" {
			err = analytics.ScanLines(bufio.NewReader(e.stdin), name, add)
		} else {
			var f *os.File
			if f, err = os.Open(p); err != nil {
				err = fmt.Errorf("reading events: %w", err)
			} else {
				err = analytics.ScanLines(f, p, add)
				f.Close()
			}
		}
		if err != nil {
			break
		}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "baton report: %v\n", err)
		if strings.Contains(err.Error(), "not an event") || strings.Contains(err.Error(), "newer than") {
			return exitFailed
		}
		return exitRuntime
	}
	future.close()
	c.Close()
	r := c.Result()
	if *html != "" {
		f, err := os.Create(*html)
		if err != nil {
			fmt.Fprintf(e.stderr, "baton report: %v\n", err)
			return exitRuntime
		}
		err = report.HTML(f, r, report.HTMLOptions{Title: *title, Sources: paths, Filters: o})
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "baton report: writing %s: %v\n", *html, err)
			return exitRuntime
		}
	}
	if *asJSON {
		err = report.JSON(e.stdout, r)
	} else {
		err = report.Text(e.stdout, r)
		if *html != "" {
			fmt.Fprintf(e.stdout, "\nHTML report: %s\n", *html)
		}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "baton report: %v\n", err)
		return exitRuntime
	}
	return exitOK
}

// pageProblem says why --html must not write path: it is one of the
// files read (report's events, replay's events, test files and flows), or a file that is not a report page (an events file
// named by mistake: `--html events*.jsonl` makes the oldest rotated file
// the page's name); "" when it is new, empty or a page.
func pageProblem(path string, inputs map[string]os.FileInfo) string {
	fi, err := os.Stat(path)
	if err != nil || fi.IsDir() {
		return "" // new, or refused by outputProblem
	}
	for _, in := range inputs {
		if os.SameFile(fi, in) {
			return fmt.Sprintf("--html %s is not a report page (it is one of the files read): give the page a name of its own (--html report.html); %s is left as it was", path, path)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return "" // os.Create says why
	}
	defer f.Close()
	var head [512]byte
	n, _ := io.ReadFull(f, head[:])
	if b := bytes.TrimLeft(head[:n], " \t\r\n\ufeff"); len(b) > 0 && b[0] != '<' {
		return fmt.Sprintf("--html %s is not a report page (it starts with %q): give the page a name of its own (--html report.html); %s is left as it was", path, b[:1], path)
	}
	return ""
}

// parseWhen reads an RFC 3339 time or a date: midnight in loc (--tz),
// UTC when loc is nil.
func parseWhen(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time (2026-03-01T09:00:00+01:00) nor a date (2026-03-01)", s)
}

// futureSlack is how far after the time they are read events may be
// dated (a host's clock a little ahead, an offset written wrong): an
// event dated later was not written when it says (a mistyped year), and
// would move the reader's clock there, settling every conversation under
// way at once.
const futureSlack = kpi.FutureSlack

// maxFutureWarnings bounds the warnings of a run; the rest are counted.
const maxFutureWarnings = 10

// futureEvents leaves out the events dated after now (plus futureSlack),
// warning of each with its file and line.
type futureEvents struct {
	cmd, what string // what leaving out does: "left out of the KPIs"
	now       time.Time
	stderr    io.Writer
	n         int
}

func newFutureEvents(e *env, cmd, what string) *futureEvents {
	return &futureEvents{cmd: cmd, what: what, now: time.Now(), stderr: e.stderr}
}

// leaveOut reports whether ev is dated after now, warning of it (line
// 0: a stream's entry, named by its conversation).
func (f *futureEvents) leaveOut(ev *flows.Event, name string, line int) bool {
	if !ev.At.After(f.now.Add(futureSlack)) {
		return false
	}
	f.warn(ev, name, line)
	return true
}

// warn warns of ev, left out as dated after now.
func (f *futureEvents) warn(ev *flows.Event, name string, line int) {
	if f.n++; f.n <= maxFutureWarnings {
		where := fmt.Sprintf("%s:%d", name, line)
		if line == 0 {
			where = fmt.Sprintf("%s: conversation %q", name, ev.Conversation)
		}
		fmt.Fprintf(f.stderr, "baton %s: warning: %s: %s event dated %s, after now (%s): %s; correct its \"at\" (a mistyped year?)\n",
			f.cmd, where, ev.Type, ev.At.Format(time.RFC3339), f.now.UTC().Format(time.RFC3339), f.what)
	}
}

// close says how many were left out beyond the warnings.
func (f *futureEvents) close() {
	if f.n > maxFutureWarnings {
		fmt.Fprintf(f.stderr, "baton %s: warning: %d more events dated after now: %s\n", f.cmd, f.n-maxFutureWarnings, f.what)
	}
}
