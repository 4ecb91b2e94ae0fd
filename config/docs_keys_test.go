package config

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDocsKeysDecode: every config key the operator's docs name as a
// dotted path (`server.lease`, `channels.whatsapp[].access_token`,
// `teams.NAME.connector`) is one the decoder reads, under that exact
// name: a key the docs misspell would be a warning, and its setting lost.
func TestDocsKeysDecode(t *testing.T) {
	sections := map[string][]string{
		"":                     topKeys,
		"server":               serverKeys,
		"store":                storeKeys,
		"channels":             channelsKeys,
		"channels.whatsapp[]":  whatsappKeys,
		"channels.telegram[]":  telegramKeys,
		"channels.web[]":       webKeys,
		"bridge":               bridgeKeys,
		"bridge.zendesk":       {"signing_secret"},
		"bridge.freshdesk":     {"secret"},
		"bridge.webhook":       {"secret"},
		"connectors":           connectorsKeys,
		"connectors.zendesk":   zendeskKeys,
		"connectors.freshdesk": freshdeskKeys,
		"connectors.webhook":   webhookKeys,
		"nlu":                  nluKeys,
		"nlu.llm":              llmKeys,
		"teams.NAME":           teamKeys,
		"routing":              routingKeys,
		"priority":             priorityKeys,
		"priority.thresholds":  thresholdKeys,
		"notify":               notifyKeys,
		"delivery":             deliveryKeys,
		"events":               eventsKeys,
		"sla":                  slaKeys,
		"sla.alerts":           slaAlertKeys,
	}
	path := regexp.MustCompile("`((?:server|store|channels|bridge|connectors|nlu|teams|routing|priority|notify|delivery|events)(?:\\.[A-Za-z_]+(?:\\[\\])?)+)`")
	seen := 0
	for _, doc := range []string{"../README.md", "../docs/serve.md", "../docs/channels.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range path.FindAllStringSubmatch(string(b), -1) {
			seen++
			section := ""
			for _, part := range strings.Split(m[1], ".") {
				key := strings.TrimSuffix(part, "[]")
				if section == "teams" { // a map of names
					section += ".NAME"
					continue
				}
				keys, ok := sections[section]
				if !ok {
					t.Errorf("%s: `%s`: no section %q in this test's table; add it", doc, m[1], section)
					break
				}
				if !slices.Contains(keys, key) {
					t.Errorf("%s names `%s`, but %q is not a key of %s (known: %s)", doc, m[1], key, cfgWhere(section), strings.Join(keys, ", "))
					break
				}
				section = strings.TrimPrefix(section+"."+part, ".")
			}
		}
	}
	if seen < 20 {
		t.Errorf("found %d config keys in the docs; the pattern no longer matches how they are written", seen)
	}
}

// TestExampleConfigEveryKeyRead: examples/baton.yaml, which the docs
// point operators to as having every key, has no key the decoder
// ignores: a warning there would be a setting an operator copies and
// loses.
func TestExampleConfigEveryKeyRead(t *testing.T) {
	c, diags := Load("../examples/baton.yaml", WithPlaceholders(), WithEnv(func(string) (string, bool) { return "", false }))
	if c == nil || len(diags) > 0 {
		t.Errorf("examples/baton.yaml: %v", diags)
	}
}
