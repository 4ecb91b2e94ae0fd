package config

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/batonbot/baton/internal/schematest"
)

// TestSchemaValidatesExamples: the example deployment configs are valid
// against the schema, and the schema refuses what the decoder refuses.
func TestSchemaValidatesExamples(t *testing.T) {
	s := schematest.Compile(t, SchemaID, Schema())
	value := func(src []byte) any {
		// ${NAME} is replaced before the YAML is read, as the decoder does.
		v, err := schematest.Value(envRef.ReplaceAll(src, []byte(`"placeholder"`)))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	files, _ := filepath.Glob("../examples/tests/configs/*.yaml")
	files = append(files, "../examples/baton.yaml")
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(value(src)); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
	for _, bad := range []string{
		"connectors: {zendesk: {subdomian: acme}}\n",
		"teams: {billing: {strategy: random}}\n",
		"store: {kind: mysql}\n",
		"servr: {}\n",
		"nlu: {llm: {max_tokens: 10}}\n",
		"nlu: {llm: {calls_per_conversation_hour: 5000}}\n",
		"nlu: {llm: {reasoning_effort: fast}}\n",
		"routing: {rules: [{name: r, team: t, when: {expr: 5}}]}\n", // an expression gives true or false
		// A channel account without what the decoder requires of it.
		"channels: {whatsapp: [{phone_number_id: \"1\", flow: f.yaml, access_token: t, app_secret: s}]}\n",
		"channels: {telegram: [{name: shop, flow: f.yaml, token: t}]}\n",
		"channels: {web: [{name: site}]}\n",
		"bridge: {zendesk: {}}\n",
		// A store kind without where its data is.
		"store: {kind: bolt}\n",
		"store: {kind: valkey, prefix: baton}\n",
	} {
		if err := s.Validate(value([]byte(bad))); err == nil {
			t.Errorf("the schema accepts %q", bad)
		}
	}
}

var envRef = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*\}`)

// TestSchemaAcceptsScalars: the decoder reads a number written where it
// wants a text (a team named 2, a numeric secret or token) as its text,
// and a single channel account written without its list as a list of one;
// the schema must not mark such a config as wrong in the operator's editor.
func TestSchemaAcceptsScalars(t *testing.T) {
	s := schematest.Compile(t, SchemaID, Schema())
	src := []byte(`version: 1
connectors:
  default: webhook
  webhook: {url: "https://desk.example.com/hook", secret: whsec_c2VjcmV0}
bridge: {zendesk: {signing_secret: 12345678901234567890}}
routing:
  default_team: 2
teams:
  "2":
    name: 2026
store: {kind: bolt, path: 2026}
channels: {web: {flow: flows/support.yaml}}
`)
	if _, ds := Parse("baton.yaml", src); ds.HasErrors() {
		t.Fatalf("the decoder refuses the config: %v", ds.Err())
	}
	v, err := schematest.Value(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(v); err != nil {
		t.Errorf("the decoder accepts this config, the schema does not:\n%v", err)
	}
}
