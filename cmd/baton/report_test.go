package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	_ = os.WriteFile(bad, []byte("{\"v\":1,\"type\":\"message_in\"}\n{oops\n"), 0o644)
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"report"}, exitUsage, "give the events files"},
		{[]string{"report", "--from", "yesterday", bad}, exitUsage, "--from"},
		{[]string{"report", "--tz", "Mars/Olympus", bad}, exitUsage, "time zone"},
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
