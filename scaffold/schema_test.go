package scaffold

import (
	"bytes"
	"encoding/json"
	"regexp"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/dsl"
)

// TestFilesMatchTheSchemas: the flow and the config a scaffold writes are
// valid against the JSON Schemas it writes next to them, so the editor
// shows no error on a new project.
func TestFilesMatchTheSchemas(t *testing.T) {
	compile := func(id string, schema []byte) *jsonschema.Schema {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource(id, doc); err != nil {
			t.Fatal(err)
		}
		s, err := c.Compile(id)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	schemas := map[string]*jsonschema.Schema{
		"flows/bot.yaml": compile(dsl.SchemaID, dsl.Schema()),
		"baton.yaml":     compile(config.SchemaID, config.Schema()),
	}
	envRef := regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*\}`)
	for _, langs := range [][]string{{"it"}, {"en"}, {"es"}, {"es", "en"}} {
		files, err := Files(Options{Dir: "bot", Langs: langs})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			s := schemas[f.Path]
			if s == nil {
				continue
			}
			var v any
			// ${NAME} is replaced before a config is read.
			if err := yaml.Unmarshal(envRef.ReplaceAll(f.Data, []byte("placeholder")), &v); err != nil {
				t.Fatalf("%v %s: %v", langs, f.Path, err)
			}
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Validate(doc); err != nil {
				t.Errorf("%v %s: %v", langs, f.Path, err)
			}
		}
	}
}
