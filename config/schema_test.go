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
	} {
		if err := s.Validate(value([]byte(bad))); err == nil {
			t.Errorf("the schema accepts %q", bad)
		}
	}
}

var envRef = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*\}`)
