package main

import (
	"regexp"
	"strings"
	"testing"
)

// Events as `go test -json` writes them, one package each.
const (
	pkgPass = `{"Action":"run","Package":"github.com/batonbot/baton/store/valkey","Test":"TestConformance"}
{"Action":"run","Package":"github.com/batonbot/baton/store/valkey","Test":"TestConformance/single"}
{"Action":"pass","Package":"github.com/batonbot/baton/store/valkey","Test":"TestConformance/single","Elapsed":1.5}
{"Action":"pass","Package":"github.com/batonbot/baton/store/valkey","Test":"TestConformance","Elapsed":1.5}
{"Action":"pass","Package":"github.com/batonbot/baton/store/valkey","Elapsed":2}
`
	pkgFail = `{"Action":"run","Package":"github.com/batonbot/baton/host","Test":"TestX"}
{"Action":"output","Package":"github.com/batonbot/baton/host","Test":"TestX","Output":"    x_test.go:9: want 1, got 2\n"}
{"Action":"fail","Package":"github.com/batonbot/baton/host","Test":"TestX","Elapsed":0.1}
{"Action":"fail","Package":"github.com/batonbot/baton/host","Elapsed":0.2}
`
	pkgSkipNLU = `{"Action":"run","Package":"github.com/batonbot/baton/nlu","Test":"TestSignalReport"}
{"Action":"output","Package":"github.com/batonbot/baton/nlu","Test":"TestSignalReport","Output":"    report_test.go:40: set NLU_REPORT=1\n"}
{"Action":"skip","Package":"github.com/batonbot/baton/nlu","Test":"TestSignalReport","Elapsed":0}
{"Action":"run","Package":"github.com/batonbot/baton/nlu","Test":"TestHoldout"}
{"Action":"output","Package":"github.com/batonbot/baton/nlu","Test":"TestHoldout","Output":"    h_test.go:21: skipping: the dev set ../../shared/data/triage-dev.jsonl is absent\n"}
{"Action":"skip","Package":"github.com/batonbot/baton/nlu","Test":"TestHoldout","Elapsed":0}
{"Action":"pass","Package":"github.com/batonbot/baton/nlu","Elapsed":1}
`
	pkgSkipBrowser = `{"Action":"run","Package":"github.com/batonbot/baton/channel/web","Test":"TestChatPageInBrowser"}
{"Action":"output","Package":"github.com/batonbot/baton/channel/web","Test":"TestChatPageInBrowser","Output":"    no chromium\n"}
{"Action":"skip","Package":"github.com/batonbot/baton/channel/web","Test":"TestChatPageInBrowser","Elapsed":0}
{"Action":"pass","Package":"github.com/batonbot/baton/channel/web","Elapsed":1}
`
	pkgNoTests = `{"Action":"skip","Package":"github.com/batonbot/baton/examples/analyzer","Elapsed":0}
`
	buildFail = `{"ImportPath":"github.com/batonbot/baton/dsl [github.com/batonbot/baton/dsl.test]","Action":"build-output","Output":"dsl/x.go:1:1: syntax error\n"}
{"ImportPath":"github.com/batonbot/baton/dsl [github.com/batonbot/baton/dsl.test]","Action":"build-fail"}
{"Action":"start","Package":"github.com/batonbot/baton/dsl"}
{"Action":"output","Package":"github.com/batonbot/baton/dsl","Output":"FAIL\tgithub.com/batonbot/baton/dsl [build failed]\n"}
{"Action":"fail","Package":"github.com/batonbot/baton/dsl","Elapsed":0,"FailedBuild":"github.com/batonbot/baton/dsl [github.com/batonbot/baton/dsl.test]"}
`
)

func TestCheck(t *testing.T) {
	devSetAbsent := regexp.MustCompile(`the dev set \S+ is absent`)
	for _, tc := range []struct {
		name   string
		events string
		c      checks
		ok     bool
		says   string
	}{
		{name: "all passed", events: pkgPass + pkgNoTests, c: checks{require: []string{"store/valkey.TestConformance/single"}}, ok: true, says: "1 packages passed, 0 failed"},
		{name: "a test failed", events: pkgPass + pkgFail, ok: false, says: "want 1, got 2"},
		{name: "a required test did not run", events: pkgPass, c: checks{require: []string{"store/valkey.TestConformance/cluster"}}, ok: false, says: "store/valkey.TestConformance/cluster did not pass"},
		{name: "a required test skipped", events: pkgSkipBrowser, c: checks{require: []string{"channel/web.TestChatPageInBrowser"}}, ok: false, says: "channel/web.TestChatPageInBrowser skipped"},
		{name: "a test skipped", events: pkgSkipBrowser, ok: false, says: "no chromium"},
		{name: "skips allowed by name and by reason", events: pkgSkipNLU, c: checks{allowSkip: []string{"nlu.TestSignalReport"}, allowSkipIf: devSetAbsent}, ok: true, says: "skipped nlu.TestHoldout: the dev set"},
		{name: "a skip allowed by name only", events: pkgSkipNLU, c: checks{allowSkip: []string{"nlu.TestSignalReport"}}, ok: false, says: "nlu.TestHoldout skipped"},
		{name: "a build failed", events: pkgPass + buildFail, ok: false, says: "syntax error"},
		{name: "not test events", events: "go: no Go files\n", ok: false, says: "did the tests run at all"},
		{name: "nothing", events: "", ok: false, says: "did the tests run at all"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			if ok := tc.c.check(strings.NewReader(tc.events), &out); ok != tc.ok {
				t.Errorf("check = %v, want %v; it said:\n%s", ok, tc.ok, &out)
			}
			if !strings.Contains(out.String(), tc.says) {
				t.Errorf("check said:\n%s\nwant it to say %q", &out, tc.says)
			}
		})
	}
}
