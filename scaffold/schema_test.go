package scaffold

import (
	"regexp"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/internal/schematest"
)

// TestFilesMatchTheSchemas: the flow and the config a scaffold writes are
// valid against the JSON Schemas it writes next to them, so the editor
// shows no error on a new project.
func TestFilesMatchTheSchemas(t *testing.T) {
	schemas := map[string]*jsonschema.Schema{
		"flows/bot.yaml": schematest.Compile(t, dsl.SchemaID, dsl.Schema()),
		"baton.yaml":     schematest.Compile(t, config.SchemaID, config.Schema()),
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
			// ${NAME} is replaced before a config is read.
			doc, err := schematest.Value(envRef.ReplaceAll(f.Data, []byte("placeholder")))
			if err != nil {
				t.Fatalf("%v %s: %v", langs, f.Path, err)
			}
			if err := s.Validate(doc); err != nil {
				t.Errorf("%v %s: %v", langs, f.Path, err)
			}
		}
	}
}
