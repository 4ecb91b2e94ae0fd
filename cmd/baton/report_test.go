package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestReportFromTestEvents(t *testing.T) {
	dir := t.TempDir()
	events := filepath.Join(dir, "events.jsonl")
	if code, out, errs := runCLI(t, "", "test", "--events", events, "../../examples/tests/surveys.yaml", "../../examples/tests/bridge_csat.yaml"); code != exitOK {
		t.Fatalf("baton test: %d\n%s%s", code, out, errs)
	}
	html := filepath.Join(dir, "report.html")
	code, out, errs := runCLI(t, "", "report", "--json", "--html", html, events)
	if code != exitOK {
		t.Fatalf("baton report: %d\n%s", code, errs)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("--json is not one object: %v\n%s", err, out)
	}
	for _, k := range []string{"containment_rate", "escalation_rate", "escalations_by_reason", "fallback_rate", "funnel", "first_response", "resolution", "csat", "nps", "ces", "volume_by_hour"} {
		if _, ok := r[k]; !ok {
			t.Errorf("--json lacks %q", k)
		}
	}
	csat := r["csat"].(map[string]any)
	if csat["responses"].(float64) < 5 || csat["score"] == nil || csat["response_rate"] == nil {
		t.Errorf("csat %v", csat)
	}
	nps := r["nps"].(map[string]any)
	if nps["responses"].(float64) < 3 || nps["asked"].(float64) < 4 {
		t.Errorf("nps %v", nps)
	}
	for _, k := range []string{"p50", "p90", "within_sla", "by_team"} {
		if _, ok := r["first_response"].(map[string]any)[k]; !ok {
			t.Errorf("first_response lacks %q", k)
		}
	}
	b, err := os.ReadFile(html)
	if err != nil || !strings.Contains(string(b), "<canvas id=\"funnel\"") || strings.Contains(string(b), "https://cdn") {
		t.Errorf("the HTML report: %v", err)
	}

	code, out, _ = runCLI(t, "", "report", "--flow", "shop-support", "--from", "2026-03-01", "--to", "2026-03-04", events)
	if code != exitOK || !strings.Contains(out, "containment rate") || !strings.Contains(out, "CSAT") || !strings.Contains(out, "Funnel") {
		t.Errorf("terminal report: %d\n%s", code, out)
	}
	// Stdin works too.
	data, _ := os.ReadFile(events)
	if code, out, _ := runCLI(t, string(data), "report", "--json", "-"); code != exitOK || !strings.Contains(out, "containment_rate") {
		t.Errorf("stdin: %d", code)
	}
}

func TestReportErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	_ = os.WriteFile(bad, []byte("{\"v\":1,\"type\":\"message_in\",\"at\":\"2026-03-03T10:00:00Z\"}\n{oops\n"), 0o644)
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"report"}, exitUsage, "give the events files"},
		{[]string{"report", "--from", "yesterday", bad}, exitUsage, "--from"},
		{[]string{"report", "--tz", "Mars/Olympus", bad}, exitUsage, "time zone"},
		{[]string{"report", "--from", "2026-03-10", "--to", "2026-03-01", bad}, exitUsage, "--to 2026-03-01 is not after --from 2026-03-10"},
		{[]string{"report", "--from", "2026-03-01", "--to", "2026-03-01", bad}, exitUsage, "is not after --from"},
		{[]string{"report", "--abandon-after", "0", bad}, exitUsage, "--abandon-after 0s: give a duration above 0"},
		{[]string{"report", "--expire", "-1h", bad}, exitUsage, "--expire -1h0m0s: give a duration above 0"},
		{[]string{"report", "--expire", "10m", bad}, exitUsage, "--expire 10m0s is shorter than --abandon-after 30m0s"},
		{[]string{"report", filepath.Join(dir, "none.jsonl")}, exitUsage, "no such file"},
		{[]string{"report", bad}, exitFailed, "bad.jsonl:2: not an event"},
	}
	for _, c := range cases {
		code, _, errs := runCLI(t, "", c.args...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.msg)
		}
	}
}

// A plain date for --from or --to is midnight in the --tz zone, not in
// UTC: with --tz Europe/Rome, a conversation started at 00:30 in Rome
// on 4 March (23:30 UTC on the 3rd) is on the 4th.
func TestReportDatesAreMidnightInTZ(t *testing.T) {
	ev := func(conv, n, typ, at, rest string) string {
		return `{"v":1,"id":"` + conv + `:1:` + n + `","type":"` + typ + `","at":"` + at + `","conversation":"` + conv + `","contact":"c-` + conv + `","flow":"f","channel":"web","lang":"en"` + rest + "}\n"
	}
	events := filepath.Join(t.TempDir(), "events.jsonl")
	data := ev("a", "1", "conversation_started", "2026-03-03T22:30:00Z", "") + // 23:30 in Rome, the 3rd
		ev("a", "2", "conversation_ended", "2026-03-03T22:31:00Z", `,"outcome":"contained"`) +
		ev("b", "1", "conversation_started", "2026-03-03T23:30:00Z", "") + // 00:30 in Rome, the 4th
		ev("b", "2", "conversation_ended", "2026-03-03T23:31:00Z", `,"outcome":"contained"`)
	if err := os.WriteFile(events, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want float64
	}{
		{[]string{"--from", "2026-03-04"}, 0},
		{[]string{"--tz", "Europe/Rome", "--from", "2026-03-04"}, 1},
		{[]string{"--tz", "Europe/Rome", "--to", "2026-03-04"}, 1},
		{[]string{"--tz", "Europe/Rome", "--from", "2026-03-03", "--to", "2026-03-05"}, 2},
		{[]string{"--tz", "Asia/Tokyo", "--from", "2026-03-03T23:00:00Z"}, 1}, // an RFC 3339 time keeps its offset
	} {
		code, out, errs := runCLI(t, "", append(append([]string{"report", "--json"}, c.args...), events)...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", c.args, code, errs)
		}
		var r struct{ Conversations float64 }
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		if r.Conversations != c.want {
			t.Errorf("%v: %v conversations, want %v", c.args, r.Conversations, c.want)
		}
	}
}

// A line too long to be an event is a malformed file (exit 1, the line
// named), not a file that cannot be read.
func TestReportTooLongLine(t *testing.T) {
	long := filepath.Join(t.TempDir(), "long.jsonl")
	data := "{\"v\":1,\"type\":\"message_in\",\"at\":\"2026-03-03T10:00:00Z\"}\n{\"v\":1,\"type\":\"message_in\",\"at\":\"2026-03-03T10:00:00Z\",\"text\":\"" + strings.Repeat("a", 2<<20) + "\"}\n"
	if err := os.WriteFile(long, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "", "report", long)
	if code != exitFailed || !strings.Contains(errs, "long.jsonl:2: not an event: the line is longer than") {
		t.Errorf("exit %d, stderr %q; want %d and the line named", code, errs, exitFailed)
	}
}

// testdata/report/edges.jsonl is a day of conversations written by hand,
// each an edge case a support lead's figures must get right (all on
// Monday 2 March 2026, UTC):
//
//	A   contained: a message, the bot's answer 1 s later, ended resolved
//	B   handed off twice: h1 (asks_for_human) answered in 10 min, solved,
//	    the bot resumed; h2 (frustrated) closed unanswered 30 min past due
//	C   abandoned: the bot's question (2 s after the message) never answered
//	D   a CSAT 2, then a handoff (low_csat) answered 10 min past due, solved
//	E   reopened: ended contained, then the same conversation starts again
//	    and ends contained (two conversations, the second a repeat contact)
//	S0-S3  CSAT 5, 4, 3, 1;  N0-N4  NPS 10, 9, 7, 6, 0 (all contained)
//	F   spans midnight: handed off at 23:55 to billing, answered at 00:10
//	    on the 3rd, on time
//	W   a no-match, a handoff (no_match) to billing due at 21:01, still
//	    unanswered at the end of the data (00:20 on the 3rd): open, a breach
//
// The figures below are computed by hand from that list.
func TestReportEdgeCasesByHand(t *testing.T) {
	events := filepath.Join("testdata", "report", "edges.jsonl")
	report := func(args ...string) map[string]any {
		t.Helper()
		code, out, errs := runCLI(t, "", append(append([]string{"report", "--json"}, args...), events)...)
		if code != exitOK {
			t.Fatalf("report %v: exit %d: %s", args, code, errs)
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("report %v: %v", args, err)
		}
		return r
	}
	// at is the value at a dotted path ("first_response.by_team.0.p50").
	at := func(r map[string]any, path string) any {
		var v any = r
		for _, k := range strings.Split(path, ".") {
			switch x := v.(type) {
			case map[string]any:
				v = x[k]
			case []any:
				i, err := strconv.Atoi(k)
				if err != nil || i >= len(x) {
					return nil
				}
				v = x[i]
			default:
				return nil
			}
		}
		return v
	}
	for _, c := range []struct {
		args []string
		want map[string]any // nil: null
	}{
		{nil, map[string]any{
			"conversations":                        16.0, // A B C D E E S0-3 N0-4 F; W is open
			"open":                                 1.0,
			"outcomes.contained":                   12.0, // A E E S0-3 N0-4
			"outcomes.handed_off":                  3.0,  // B D F
			"outcomes.abandoned":                   1.0,  // C
			"containment_rate":                     0.75, // 12 / 16
			"escalation_rate":                      0.1875,
			"escalated":                            3.0, // B D F: 3 / 16 = 0.1875
			"escalations":                          5.0, // B twice, D, F, W
			"escalations_by_reason.asks_for_human": 2.0,
			"escalations_by_reason.frustrated":     1.0,
			"escalations_by_reason.low_csat":       1.0,
			"escalations_by_reason.no_match":       1.0,
			"messages_in":                          6.0, // A 1, B 2, C 1, W 2
			"fallback_rate":                        0.1667,
			"turns.average":                        0.25,  // 4 messages of counted conversations / 16
			"turns.before_handoff":                 0.333, // B 1, D 0, F 0
			"time_to_handoff.average":              140.0, // B 60 s, D 60 s, F 300 s
			"bot_response.p50":                     1000.0,
			"bot_response.p90":                     2000.0,
			// h1 on time, h2 unanswered past due, h3 late, h4 on time, h5 waiting past due
			"first_response.p50":                  900.0,
			"first_response.p90":                  2400.0,
			"first_response.within_sla":           0.4, // 2 / 5
			"first_response.breached":             3.0,
			"handoffs.sla_breaches":               3.0,
			"first_response.by_team.0.team":       "billing",
			"first_response.by_team.0.priority":   "high",
			"first_response.by_team.0.breached":   1.0,
			"first_response.by_team.1.within_sla": 1.0,
			"first_response.by_team.2.within_sla": 0.0, // support high: D
			"first_response.by_team.3.within_sla": 0.5, // support normal: B
			"resolution.count":                    3.0,
			"resolution.p50":                      3600.0,
			"resolution.p90":                      5400.0,
			"csat.score":                          40.0, // 5 and 4 of 5, 4, 3, 2, 1
			"csat.responses":                      5.0,
			"nps.score":                           0.0, // 2 promoters - 2 detractors of 5
			"nps.promoters":                       2.0,
			"nps.passives":                        1.0,
			"nps.detractors":                      2.0,
			"fcr.repeated":                        1.0, // E
			"fcr.pending":                         14.0,
			"funnel.0.state":                      "welcome",
			"funnel.0.handed_off":                 4.0,
			"funnel.1.state":                      "ask",
			"funnel.1.drop_rate":                  1.0,
			"volume_by_hour.23":                   1.0,
		}},
		// The day before midnight: F counts (it started then), its first
		// reply after midnight does not.
		{[]string{"--to", "2026-03-03"}, map[string]any{
			"conversations":             16.0,
			"first_response.count":      2.0,
			"first_response.within_sla": 0.25, // h1 of h1, h2, h3, h5
			"first_response.breached":   3.0,
		}},
		// The day after: no conversation started, F's first reply did.
		{[]string{"--from", "2026-03-03"}, map[string]any{
			"conversations":             0.0,
			"first_response.count":      1.0,
			"first_response.within_sla": 1.0,
			"csat.score":                nil,
		}},
		// Until 15:07: E's first conversation came back at 15:10, after the
		// period, which still makes it a repeat.
		{[]string{"--to", "2026-03-02T15:07:00Z"}, map[string]any{
			"conversations": 5.0, // A B C D E
			"fcr.repeated":  1.0,
			"fcr.resolved":  0.0,
		}},
		// Support's handoffs only: B and D escalated; D's CSAT came before
		// its handoff, so support has no survey.
		{[]string{"--team", "support"}, map[string]any{
			"escalation_rate":           0.125,
			"escalated":                 2.0, // B D
			"escalations":               3.0,
			"first_response.within_sla": 0.3333, // h1 of h1, h2, h3
			"csat.responses":            0.0,
			"containment_rate":          0.75,
		}},
	} {
		r := report(c.args...)
		for path, want := range c.want {
			if got := at(r, path); !reflect.DeepEqual(got, want) {
				t.Errorf("report %v: %s = %v, want %v", c.args, path, got, want)
			}
		}
	}
}

// A time nobody measured is "-", not "0s": a lead reading "first response
// p50 0s" for a team that never answered would think its agents instant.
func TestReportNoMeasureIsADash(t *testing.T) {
	events := filepath.Join("testdata", "report", "edges.jsonl")
	html := filepath.Join(t.TempDir(), "report.html")
	code, out, errs := runCLI(t, "", "report", "--html", html, events)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// W's handoff to billing, high, is unanswered.
	if !regexp.MustCompile(`(?m)^  billing\s+high\s+0\s+-\s+-\s+0\.0%\s+1$`).MatchString(out) {
		t.Errorf("billing high, unanswered: want p50 and p90 -, got\n%s", out)
	}
	b, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "<td>billing · high</td><td>0</td><td>-</td><td>-</td>") {
		t.Errorf("the HTML report's billing high row: want p50 and p90 -")
	}
	// Two hours with surveys only: no handoff, no bot reply.
	code, out, errs = runCLI(t, "", "report", "--html", html, "--from", "2026-03-02T16:00:00Z", "--to", "2026-03-02T18:00:00Z", events)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, re := range []string{
		`(?m)^time to handoff\s+avg -\s+p50 -  p90 -$`,
		`(?m)^bot response\s+p50 -\s+p90 -$`,
		`(?m)^first response\s+p50 -\s+p90 -  within SLA -`,
		`(?m)^resolution\s+p50 -\s+p90 -  within SLA -$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("no handoff, no reply: want %s in\n%s", re, out)
		}
	}
	if b, err = os.ReadFile(html); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), ">0s<") {
		t.Errorf("the HTML report shows 0s for a time nobody measured")
	}
}

// Events of types this baton does not know (a newer version's) are
// skipped, as the schema says, and counted, so a reader knows the report
// left something out; the figures are those without them.
func TestReportCountsUnknownEventTypes(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "report", "edges.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	newer := `{"v":1,"id":"A:90","type":"agent_note","at":"2026-03-02T10:00:30Z","conversation":"A","flow":"f"}` + "\n" +
		`{"v":1,"id":"A:91","type":"agent_note","at":"2026-03-02T10:00:31Z","conversation":"A","flow":"f"}` + "\n" +
		`{"v":1,"id":"B:90","type":"csat_reminder","at":"2026-03-02T11:00:30Z","conversation":"B","flow":"f"}` + "\n"
	events := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(events, append([]byte(newer), data...), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "report", "--json", events)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r struct {
		ContainmentRate float64        `json:"containment_rate"`
		Conversations   int            `json:"conversations"`
		UnknownTypes    map[string]int `json:"unknown_types"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Conversations != 16 || r.ContainmentRate != 0.75 || !reflect.DeepEqual(r.UnknownTypes, map[string]int{"agent_note": 2, "csat_reminder": 1}) {
		t.Errorf("%d conversations, containment %v, unknown types %v; want 16, 0.75, agent_note 2 and csat_reminder 1",
			r.Conversations, r.ContainmentRate, r.UnknownTypes)
	}
	code, out, _ = runCLI(t, "", "report", events)
	if code != exitOK || !strings.Contains(out, "3 events of types this baton does not know, skipped: agent_note 2, csat_reminder 1") {
		t.Errorf("the terminal report does not say what it skipped:\n%s", out)
	}
}

// One file named twice (a glob that also matches a name given after it)
// would count every conversation twice: it is a usage error.
func TestReportSameFileTwice(t *testing.T) {
	events := filepath.Join("testdata", "report", "edges.jsonl")
	code, _, errs := runCLI(t, "", "report", events, "./"+events)
	if code != exitUsage || !strings.Contains(errs, "is given twice") {
		t.Errorf("exit %d, stderr %q; want %d and the file named as given twice", code, errs, exitUsage)
	}
}

// Files given out of the order they were written (the current file
// before the rotated ones) give wrong figures, since the KPIs follow the
// events in order: the report says so.
func TestReportWarnsOfFilesOutOfOrder(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "report", "edges.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	dir := t.TempDir()
	older, newer := filepath.Join(dir, "events-20260302T150000.jsonl"), filepath.Join(dir, "events.jsonl")
	if os.WriteFile(older, []byte(strings.Join(lines[:40], "")), 0o644) != nil || os.WriteFile(newer, []byte(strings.Join(lines[40:], "")), 0o644) != nil {
		t.Fatal("writing the files")
	}
	code, _, errs := runCLI(t, "", "report", older, newer)
	if code != exitOK || errs != "" {
		t.Errorf("in order: exit %d, stderr %q; want 0 and nothing", code, errs)
	}
	code, _, errs = runCLI(t, "", "report", newer, older)
	if code != exitOK || !strings.Contains(errs, "events-20260302T150000.jsonl: its events start") || !strings.Contains(errs, "in the order they were written") {
		t.Errorf("out of order: exit %d, stderr %q; want 0 and a warning naming the file", code, errs)
	}
}

// --html never writes over an events file (or any file that is not a
// report page): `baton report --html events*.jsonl`, the page's name
// forgotten, would replace the oldest rotated file with the page. It is
// refused before anything is read, the file left as it was; a page
// written before is replaced, and a page that cannot be written is
// said before the events are read.
func TestReportHTMLNeverOverwritesEvents(t *testing.T) {
	dir := t.TempDir()
	events := filepath.Join("testdata", "report", "edges.jsonl")
	data, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(dir, "events-20260301T000000.jsonl")
	cur := filepath.Join(dir, "events.jsonl")
	flow := filepath.Join(dir, "flow.yaml")
	page := filepath.Join(dir, "report.html")
	for _, f := range []struct{ path, body string }{{old, string(data)}, {cur, string(data)}, {flow, "flow: shop\n"}, {page, "<!DOCTYPE html>\n<p>last week</p>\n"}} {
		if err := os.WriteFile(f.path, []byte(f.body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		args   []string
		code   int
		msg    string
		intact string // a file that must be as it was
	}{
		{[]string{"--html", old, cur}, exitUsage, "--html " + old + " is not a report page (it starts with \"{\"): give the page a name of its own (--html report.html)", old},
		{[]string{"--html", cur, cur}, exitUsage, "--html " + cur + " is not a report page", cur},
		{[]string{"--html", flow, cur}, exitUsage, "--html " + flow + " is not a report page", flow},
		{[]string{"--html", filepath.Join(dir, "no", "such", "r.html"), cur}, exitRuntime, "cannot write in", cur},
		{[]string{"--html", page, cur}, exitOK, "", cur},
	} {
		before, _ := os.ReadFile(c.intact)
		code, _, errs := runCLI(t, "", append([]string{"report"}, c.args...)...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.msg)
		}
		if after, _ := os.ReadFile(c.intact); string(after) != string(before) {
			t.Errorf("%v: %s was changed", c.args, c.intact)
		}
	}
	if b, _ := os.ReadFile(page); !strings.Contains(string(b), "<canvas") {
		t.Errorf("the page written before was not replaced by the new report")
	}
}

// One event dated years ahead (a mistyped year) must not move the KPIs'
// clock: every open conversation and first-contact window would settle
// at once. It is left out, warned of with its file and line, and the
// KPIs are those of the events without it; an event of a host whose
// clock is a little ahead is kept.
func TestReportLeavesOutEventsFromTheFuture(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "report", "edges.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(string(src), "\n"), "\n")
	typo := `{"v":1,"id":"Z:1","type":"message_in","at":"2062-03-02T21:00:00Z","conversation":"Z","contact":"c-Z","flow":"f","channel":"web","lang":"en","state":"welcome","kind":"text","size":3,"to":"bot"}` + "\n"
	soon := `{"v":1,"id":"Y:1","type":"conversation_started","at":"` + time.Now().Add(time.Hour).UTC().Format(time.RFC3339) + `","conversation":"Y","contact":"c-Y","flow":"f","channel":"web","lang":"en"}` + "\n"
	insert := func(at int, ls ...string) string {
		out := slices.Clone(lines)
		return strings.Join(slices.Insert(out, at, ls...), "")
	}
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	_, want, _ := runCLI(t, "", "report", "--json", write("clean.jsonl", string(src)))
	many := write("many.jsonl", insert(40, slices.Repeat([]string{typo}, 12)...))
	for _, c := range []struct {
		name  string
		stdin string
		args  []string
		warns []string
	}{
		{"in the middle", "", []string{write("middle.jsonl", insert(40, typo))}, []string{"middle.jsonl:41: message_in event dated 2062-03-02T21:00:00Z, after now ("}},
		{"the first", "", []string{write("first.jsonl", insert(0, typo))}, []string{"first.jsonl:1: message_in"}},
		{"the last, in a second file", "", []string{write("a.jsonl", string(src)), write("b.jsonl", typo)}, []string{"b.jsonl:1: message_in"}},
		{"on stdin", insert(40, typo), []string{"-"}, []string{"stdin:41: message_in"}},
		{"many", "", []string{many}, []string{"many.jsonl:41:", "many.jsonl:50:", "baton report: warning: 2 more events dated after now: left out of the KPIs"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := runCLI(t, c.stdin, append([]string{"report", "--json"}, c.args...)...)
			wantCode(t, code, exitOK, out, errs)
			if out != want {
				t.Errorf("the KPIs changed:\n%s\nwant\n%s", out, want)
			}
			for _, w := range c.warns {
				if !strings.Contains(errs, "baton report: warning: ") || !strings.Contains(errs, w) {
					t.Errorf("stderr does not say %q:\n%s", w, errs)
				}
			}
			if !strings.Contains(errs, `left out of the KPIs; correct its "at" (a mistyped year?)`) {
				t.Errorf("stderr does not say what was done:\n%s", errs)
			}
			if n := strings.Count(errs, "\n"); n > 11 {
				t.Errorf("%d lines of warnings", n)
			}
		})
	}
	// A host's clock a little ahead: the event counts, nothing is said.
	code, out, errs := runCLI(t, "", "report", "--json", write("soon.jsonl", string(src)+soon))
	wantCode(t, code, exitOK, out, errs)
	if errs != "" || out == want {
		t.Errorf("an event an hour ahead was left out: stderr %q", errs)
	}
}
