package config

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
)

var exampleEnv = map[string]string{
	"BATON_LLM_API_KEY":       "sk-test",
	"BATON_ZENDESK_TOKEN":     "zd-token",
	"BATON_FRESHDESK_API_KEY": "fd-key",
	"BATON_WEBHOOK_SECRET":    "whsec_d2gtc2VjcmV0",
	"BATON_SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/X",
	"BATON_TEAMS_WEBHOOK_URL": "https://acme.webhook.office.com/webhookb2/x",

	"WHATSAPP_TOKEN":                 "wa-token",
	"WHATSAPP_APP_SECRET":            "wa-app-secret",
	"WHATSAPP_VERIFY_TOKEN":          "wa-verify",
	"TELEGRAM_TOKEN":                 "123:tg-token",
	"TELEGRAM_SECRET":                "tg-secret",
	"BATON_ZENDESK_WEBHOOK_SECRET":   "zd-signing",
	"BATON_FRESHDESK_WEBHOOK_SECRET": "fd-secret",
}

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func loadExample(t *testing.T) *handoff.Config {
	t.Helper()
	src, err := os.ReadFile("../examples/baton.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, diags := Parse("examples/baton.yaml", src, WithEnv(envOf(exampleEnv)))
	if diags.HasErrors() {
		t.Fatalf("examples/baton.yaml does not load:\n%v", diags.Err())
	}
	return c.Handoff
}

func TestParseExampleConfig(t *testing.T) {
	c := loadExample(t)
	checks := []struct {
		name      string
		got, want any
	}{
		{"link", c.Link, "https://support.example.com/conversations/{id}"},
		{"masking", c.Masking, true},
		{"analyser", c.NLU.Analyser, "hybrid"},
		{"llm key from env", c.NLU.LLM.APIKey, "sk-test"},
		{"llm timeout", c.NLU.LLM.Timeout, 3 * time.Second},
		{"llm max tokens", c.NLU.LLM.MaxTokens, 512},
		{"llm calls per conversation", c.NLU.LLM.CallsPerConversationHour, 60},
		{"default connector", c.Connectors.Default, "zendesk"},
		{"connectors", strings.Join(c.Connectors.Names(), ","), "zendesk,freshdesk,webhook"},
		{"zendesk token from env", c.Connectors.Zendesk.Token, "zd-token"},
		{"zendesk billing group", c.Connectors.Zendesk.Groups["billing"], "360001111111"},
		{"freshdesk key", c.Connectors.Freshdesk.APIKey, "fd-key"},
		{"webhook secret", c.Connectors.Webhook.Secret, "whsec_d2gtc2VjcmV0"},
		{"team order", strings.Join(c.TeamOrder, ","), "support,billing,tech,vip"},
		{"billing display", c.Teams["billing"].DisplayName(), "Billing"},
		{"billing strategy", c.Teams["billing"].Strategy, handoff.StrategySkills},
		{"billing agents", len(c.Teams["billing"].Agents), 3},
		{"billing tz", c.Teams["billing"].Hours.Location.String(), "Europe/Rome"},
		{"billing monday", c.Teams["billing"].Hours.Week[time.Monday], []flows.Span{{From: 540, To: 780}, {From: 840, To: 1080}}},
		{"billing sunday closed", len(c.Teams["billing"].Hours.Week[time.Sunday]), 0},
		{"billing holiday", c.Teams["billing"].Hours.Holidays["2025-12-25"], true},
		{"tech agents as ids", c.Teams["tech"].Agents[1].ID, "linus@acme.example"},
		{"tech 24h", c.Teams["tech"].Hours.Week[time.Sunday], []flows.Span{{From: 0, To: 1440}}},
		{"vip connector", c.Teams["vip"].Connector, "freshdesk"},
		{"support sat", c.Teams["support"].Hours.Week[time.Saturday], []flows.Span{{From: 540, To: 780}}},
		{"rules", len(c.Routing.Rules), 6},
		{"rule name", c.Routing.Rules[2].Name, "money"},
		{"rule priority", c.Routing.Rules[4].Priority, flows.PriorityUrgent},
		{"rule expr compiled", c.Routing.Rules[5].Match.When != nil, true},
		{"intent skills", c.Routing.IntentSkills["refund"], []string{"refunds"}},
		{"score compiled", c.Priority.Score != nil, true},
		{"threshold", c.Priority.Thresholds[flows.PriorityHigh], 50.0},
		{"sla normal", c.SLA[flows.PriorityNormal], 2 * time.Hour},
		{"sla low in days", c.SLA[flows.PriorityLow], 24 * time.Hour},
		{"team sla", c.SLAFor("billing", flows.PriorityNormal), 4 * time.Hour},
		{"team sla falls back", c.SLAFor("billing", flows.PriorityUrgent), 15 * time.Minute},
		{"slack", c.Notify.Slack, "https://hooks.slack.com/services/T/B/X"},
		{"notify min", c.Notify.MinPriority, flows.PriorityUrgent},
		{"message override", c.Messages["assigned"]["it"], "Ti ho passato al team {team}: ti risponderemo entro {sla}."},
	}
	for _, ck := range checks {
		if !equalAny(ck.got, ck.want) {
			t.Errorf("%s = %#v, want %#v", ck.name, ck.got, ck.want)
		}
	}
}

func equalAny(a, b any) bool {
	switch x := a.(type) {
	case []flows.Span:
		y, _ := b.([]flows.Span)
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	case []string:
		y, _ := b.([]string)
		return strings.Join(x, "\x00") == strings.Join(y, "\x00") && len(x) == len(y)
	}
	return a == b
}

func TestParseExampleConfigNeedsItsSecrets(t *testing.T) {
	src, err := os.ReadFile("../examples/baton.yaml")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for k, v := range exampleEnv {
		env[k] = v
	}
	delete(env, "BATON_ZENDESK_TOKEN")
	_, diags := Parse("baton.yaml", src, WithEnv(envOf(env)))
	err = diags.Err()
	if err == nil {
		t.Fatal("the config loaded without BATON_ZENDESK_TOKEN")
	}
	if !strings.Contains(err.Error(), "environment variable BATON_ZENDESK_TOKEN is not set") ||
		!strings.Contains(err.Error(), "connectors.zendesk.token") {
		t.Errorf("error = %q, want it to name BATON_ZENDESK_TOKEN and connectors.zendesk.token", err)
	}
	if strings.Contains(err.Error(), "zd-token") || strings.Contains(err.Error(), "fd-key") {
		t.Errorf("error leaks a secret: %q", err)
	}
}

const minimalConfig = `
connectors:
  webhook:
    url: https://example.com/hook
teams:
  support: {}
routing:
  default_team: support
`

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // each must appear, in this order
	}{
		{"unknown top key", "conectors: {}\n", []string{`cfg.yaml:1:1: error: unknown key "conectors" in the config; did you mean "connectors"?`}},
		{"unknown nested key", minimalConfig + "notify:\n  slak: https://x.example\n",
			[]string{`cfg.yaml:10:3: error: unknown key "slak" in notify; did you mean "slack"?`}},
		{"missing env", "connectors:\n  webhook:\n    url: https://example.com/hook\n    secret: ${HOOK_SECRET}\n",
			[]string{`cfg.yaml:4:13: error: connectors.webhook.secret: environment variable HOOK_SECRET is not set; export HOOK_SECRET=... before starting baton`}},
		{"bad env reference", "link: https://x.example/${1X}/{id}\n", []string{`"${1X}" is not a valid environment variable reference`}},
		{"link without id", "link: https://x.example/c\n", []string{"cfg.yaml:1:7: error: link must contain {id}"}},
		{"every problem at once", `
connectors:
  zendesk:
    subdomain: acme
teams:
  billing:
    strategy: round-robbin
    hours:
      timezone: Europe/Roma
      mon-fry: "09:00-18:00"
      tue: "18:00-09:00"
routing:
  default_team: biling
  rules:
    - when: {intent: refund, vip: maybe}
      team: bill
      priority: critical
    - when: {expr: "unknown_name > 3"}
      team: billing
priority:
  score: '"high"'
  thresholds: {urgent: 10, high: 50}
sla:
  urgent: soon
`, []string{
			"cfg.yaml:3:3: error: connectors.zendesk needs email and token",
			`cfg.yaml:7:15: error: teams.billing.strategy must be one of round-robin, least-loaded, skills, not "round-robbin"; did you mean "round-robin"?`,
			`cfg.yaml:9:17: error: teams.billing.hours.timezone: unknown time zone "Europe/Roma"`,
			`cfg.yaml:10:7: error: teams.billing.hours: "mon-fry" is not a day or range of days; write mon, tue... sun or a range such as mon-fri; did you mean "mon-fri"?`,
			`cfg.yaml:11:12: error: teams.billing.hours.tue: span "18:00-09:00" ends before it starts`,
			`cfg.yaml:13:17: error: routing.default_team: team "biling" is not defined under teams:; did you mean "billing"?`,
			`cfg.yaml:15:35: error: routing.rules[0].when.vip must be true or false, not "maybe"`,
			`cfg.yaml:16:13: error: routing.rules[0].team: team "bill" is not defined under teams:; did you mean "billing"?`,
			`cfg.yaml:17:17: error: routing.rules[0].priority must be one of low, normal, high, urgent, not "critical"`,
			`cfg.yaml:18:20: error: routing.rules[1].when.expr: unknown name unknown_name`,
			`cfg.yaml:21:10: error: priority.score: expected float64, but got string`,
			`cfg.yaml:22:15: error: priority.thresholds: high (50) is above urgent (10)`,
			`cfg.yaml:24:11: error: sla.urgent must be a positive duration such as 30m, 2h or 1d, not "soon"`,
		}},
		{"two connectors need a default", "connectors:\n  webhook: {url: https://a.example}\n  freshdesk: {domain: a.freshdesk.com, api_key: k}\n",
			[]string{"say which one handoffs go to with default: freshdesk"}},
		{"unknown connector", "connectors:\n  default: zendesk\n  webhook: {url: https://a.example}\n",
			[]string{`cfg.yaml:2:12: error: connectors.default: connector "zendesk" is not configured; configured: webhook`}},
		{"duplicate key", "masking: true\nmasking: false\n", []string{`cfg.yaml:2:1: error: the config: key "masking" is written twice`}},
		{"groups name a team", "connectors:\n  zendesk: {subdomain: a, email: e, token: t, groups: {suport: 1}}\nteams: {support: {}}\nrouting: {default_team: support}\n",
			[]string{`cfg.yaml:2:56: error: connectors.zendesk.groups: team "suport" is not defined under teams:; did you mean "support"?`}},
		{"email needs address", "connectors: {webhook: {url: https://a.example}}\nteams:\n  b: {out_of_hours: email}\nrouting: {default_team: b}\n",
			[]string{"teams.b: out_of_hours: email needs the address to offer"}},
		{"rule without when", minimalConfig + "  rules:\n    - team: support\n", []string{"routing.rules[0] has no when:"}},
		{"llm needs a model", "nlu: {analyser: llm}\n", []string{"nlu.analyser llm needs nlu.llm.base_url and nlu.llm.model"}},
		{"llm base URL is the endpoint", "nlu: {llm: {base_url: \"http://localhost:11434/v1/chat/completions\"}}\n",
			[]string{`cfg.yaml:1:23: error: nlu.llm.base_url ends in /chat/completions, which Baton adds: write "http://localhost:11434/v1"`}},
		{"openai over http", "nlu: {llm: {base_url: \"http://api.openai.com/v1\"}}\n",
			[]string{`cfg.yaml:1:23: error: nlu.llm.base_url would send the API key unencrypted: OpenAI is served over https, write "https://api.openai.com/v1"`}},
		{"llm timeout past the lease", "nlu: {llm: {timeout: 2m}}\n",
			[]string{`cfg.yaml:1:22: error: nlu.llm.timeout is at most 27.5s with the default server.lease, 1m, not 2m: a message's turn may wait for the model twice (its analysis, then a handoff's summary) and must end within the lease, or another process takes the message over and runs the turn again; lower the timeout or raise server.lease`}},
		{"llm timeout past a set lease", "nlu: {llm: {timeout: 20s}}\nserver: {lease: 40s}\n",
			[]string{`cfg.yaml:1:22: error: nlu.llm.timeout is at most 17.5s with server.lease 40s, not 20s`}},
		{"llm reasoning effort", "nlu: {llm: {reasoning_effort: minimum}}\n",
			[]string{`cfg.yaml:1:31: error: nlu.llm.reasoning_effort must be one of none, minimal, low, medium, high, xhigh, max, not "minimum"; did you mean "minimal"?`}},
		{"llm max tokens too few", "nlu: {llm: {max_tokens: 10}}\n", []string{`cfg.yaml:1:25: error: nlu.llm.max_tokens must be a whole number from 64 to 1048576, not "10"`}},
		{"llm calls per conversation none", "nlu: {llm: {calls_per_conversation_hour: 0}}\n", []string{`cfg.yaml:1:42: error: nlu.llm.calls_per_conversation_hour must be a whole number from 1 to 3600, not "0"`}},
		{"not yaml", "teams: [\n", []string{"cfg.yaml:1:1: error: not valid YAML: did not find expected node content"}},
		// A slip is reported where it is, with the hint a flow file gets,
		// not at column 1 of the line the parser names.
		{"a tab", "connectors:\n  webhook:\n    url: https://a.example\n\tsecret: x\n",
			[]string{"cfg.yaml:4:1: error: not valid YAML: found a tab character that violates indentation"}},
		{"a key too far right", "teams:\n  support:\n    name: Support\n      sla: 1h\n",
			[]string{"cfg.yaml:4:7: error: not valid YAML: mapping values are not allowed in this context (this line starts at column 7, right of line 3's key at column 5: align the keys of one map)"}},
		{"empty", "", []string{"the deployment config is empty"}},
		{"not a mapping", "- a\n- b\n", []string{"cfg.yaml:1:1: error: the config must be a mapping of keys to values, not a list"}},
		{"wrong version", "version: 2\n", []string{`version "2" is not supported`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := Parse("cfg.yaml", []byte(tt.src), WithEnv(envOf(nil)))
			err := diags.Err()
			if err == nil {
				t.Fatalf("Parse succeeded, want errors %q", tt.want)
			}
			msg := err.Error()
			at := 0
			for _, w := range tt.want {
				i := strings.Index(msg[at:], w)
				if i < 0 {
					t.Errorf("error lacks (in order) %q; got:\n%s", w, msg)
					continue
				}
				at += i + len(w)
			}
		})
	}
}

func TestParseMinimal(t *testing.T) {
	cfg, diags := Parse("cfg.yaml", []byte(minimalConfig), WithEnv(envOf(nil)))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	c := cfg.Handoff
	if c.Connectors.Default != "webhook" || c.NLU.Analyser != "builtin" || c.Routing.OutOfHours != handoff.OutOfHoursTicket ||
		c.Notify.MinPriority != flows.PriorityUrgent || c.Teams["support"].Hours != nil {
		t.Errorf("defaults not applied: %+v", c)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, diags := Load("testdata/does-not-exist.yaml")
	if err := diags.Err(); err == nil || !strings.Contains(err.Error(), "testdata/does-not-exist.yaml: error: reading the deployment config: no such file or directory; give the path of a baton.yaml") {
		t.Errorf("Load(missing) = %v, want a read error", err)
	}
}

func FuzzParse(f *testing.F) {
	if src, err := os.ReadFile("../examples/baton.yaml"); err == nil {
		f.Add(string(src))
	}
	f.Add(minimalConfig)
	f.Add("teams: {a: {hours: {fri-mon: [\"00:00-24:00\"]}}}")
	f.Add("a: &x [*x]")
	f.Add("routing: {rules: [{when: {expr: 'vars.x > 1'}, team: a}]}")
	f.Fuzz(func(t *testing.T, src string) {
		c, diags := Parse("fuzz.yaml", []byte(src), WithEnv(envOf(exampleEnv)))
		if !diags.HasErrors() && c == nil {
			t.Fatal("nil config without error")
		}
	})
}

func TestAgentHelpdeskIDs(t *testing.T) {
	src := `
routing: {default_team: support}
connectors:
  default: zendesk
  zendesk: {subdomain: acme, email: bot@acme.example, token: t}
  freshdesk: {domain: acme.freshdesk.com, api_key: k}
teams:
  support:
    agents:
      - {id: anna@acme.example, zendesk_id: 361234, freshdesk_id: "77001"}
      - {id: luis@acme.example, freshdesk_id: 77002}
      - paul@acme.example
`
	cfg, diags := Parse("baton.yaml", []byte(src))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	z, f := cfg.Handoff.Assignees("zendesk"), cfg.Handoff.Assignees("freshdesk")
	if len(z) != 1 || z["anna@acme.example"] != "361234" || len(f) != 2 || f["luis@acme.example"] != "77002" {
		t.Errorf("assignees: zendesk %v, freshdesk %v", z, f)
	}
	bad := strings.Replace(src, "freshdesk_id: 77002", "freshdesk_id: luis", 1)
	_, diags = Parse("baton.yaml", []byte(bad))
	if err := diags.Err(); err == nil || !strings.Contains(err.Error(), `baton.yaml:11:47: error:`) || !strings.Contains(err.Error(), `"luis" is not a Freshdesk agent id`) {
		t.Errorf("a bad id: %v", err)
	}
}

// The longest nlu.llm.timeout a lease allows is accepted, and so is a
// reasoning effort.
func TestParseLLMTimeoutAtMost(t *testing.T) {
	for _, tt := range []struct {
		src  string
		want time.Duration
	}{
		{"nlu: {llm: {timeout: 27500ms, reasoning_effort: minimal}}\n", 27500 * time.Millisecond},
		{"nlu: {llm: {timeout: 57s, reasoning_effort: minimal}}\nserver: {lease: 2m}\n", 57 * time.Second},
	} {
		cfg, diags := Parse("cfg.yaml", []byte(minimalConfig+tt.src), WithEnv(envOf(nil)))
		if diags.HasErrors() {
			t.Fatalf("%s: %v", tt.src, diags.Err())
		}
		if got := cfg.Handoff.NLU.LLM.Timeout; got != tt.want {
			t.Errorf("nlu.llm.timeout = %v, want %v", got, tt.want)
		}
		if got := cfg.Handoff.NLU.LLM.ReasoningEffort; got != "minimal" {
			t.Errorf("nlu.llm.reasoning_effort = %q, want minimal", got)
		}
	}
}
