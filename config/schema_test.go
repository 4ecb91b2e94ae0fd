package config

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// TestSchemaValidatesExamples: the example deployment configs are valid
// against the schema, and the schema refuses what the decoder refuses.
func TestSchemaValidatesExamples(t *testing.T) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(SchemaID)
	if err != nil {
		t.Fatalf("the config schema does not compile: %v", err)
	}
	value := func(src []byte) any {
		// ${NAME} is replaced before the YAML is read, as the decoder does.
		src = envRef.ReplaceAll(src, []byte(`"placeholder"`))
		var v any
		if err := yaml.Unmarshal(src, &v); err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		return out
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
	} {
		if err := s.Validate(value([]byte(bad))); err == nil {
			t.Errorf("the schema accepts %q", bad)
		}
	}
}

var envRef = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*\}`)
