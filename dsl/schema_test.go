package dsl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/batonbot/baton/internal/schematest"
)

// compileSchema compiles Schema() with a JSON Schema validator: the
// schema itself must be valid draft 2020-12.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	return schematest.Compile(t, SchemaID, Schema())
}

// yamlDoc reads a YAML file as the JSON value the schema validates.
func yamlDoc(t *testing.T, src []byte) any {
	t.Helper()
	doc, err := schematest.Value(src)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestSchemaValidatesExamples: every example flow, the files they include
// or call, and the docs' whole flows are valid against the schema.
func TestSchemaValidatesExamples(t *testing.T) {
	s := compileSchema(t)
	var files []string
	for _, glob := range []string{"../examples/flows/*.yaml", "../examples/flows/common/*.yaml", "testdata/ok/*.yaml", "testdata/ok/common/*.yaml"} {
		m, _ := filepath.Glob(glob)
		files = append(files, m...)
	}
	if len(files) < 6 {
		t.Fatalf("only %d example flows", len(files))
	}
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(yamlDoc(t, src)); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
	for _, b := range docBlocks(t) {
		if !strings.HasPrefix(b.src, "flow:") && !strings.Contains(b.src, "\nflow:") {
			continue
		}
		if err := s.Validate(yamlDoc(t, []byte(b.src))); err != nil {
			t.Errorf("docs/dsl.md:%d: %v", b.line, err)
		}
	}
}

// TestSchemaRefusesMistakes: the schema reports what the loader refuses:
// unknown keys, a wrong type, a missing required key.
func TestSchemaRefusesMistakes(t *testing.T) {
	s := compileSchema(t)
	head := "flow: x\nlanguages: [en]\nstart: a\n"
	for _, src := range []string{
		head + "states:\n  a:\n    sya: hi\n",                          // unknown key in a state
		head + "states:\n  a:\n    ask: {pattern: x}\n",                // ask without save_as
		head + "states:\n  a:\n    http: {url: x, timeout: 5}\n",       // a duration without a unit
		head + "states:\n  a:\n    menu: {style: grid, options: []}\n", // unknown style
		"languages: [en]\nstart: a\nstates: {a: {end: true}}\n",        // no flow: (and start: is not for an included file)
		head + "states:\n  a:\n    collect: [{save_as: n, entity: numbr, prompt: x}]\n",
		head + "states:\n  a:\n    survey: {kind: csat, question: x, sample: 2}\n", // a share past 1, and not an expression
		head + "include: common.yaml\nstates:\n  a:\n    end: true\n",              // include: is a list, even of one file
	} {
		if err := s.Validate(yamlDoc(t, []byte(src))); err == nil {
			t.Errorf("the schema accepts:\n%s", src)
		}
	}
}

// TestSchemaAcceptsScalars: the loader reads a number or true/false where
// it wants a text, a name or an id (menu ids 1, 2, 3; a synonym "1"); the
// schema must not mark such a flow as wrong in the designer's editor.
func TestSchemaAcceptsScalars(t *testing.T) {
	s := compileSchema(t)
	src := `flow: 2026
languages: [en]
start: a
vars: {n: 0}
triggers:
  - name: 911
    keywords: [help]
    handoff: {team: 1, reason: 2}
states:
  a:
    say: 42
    menu:
      options:
        - {id: 1, label: 1, synonyms: [1, one], goto: b}
        - {id: 2, label: {en: 2}, synonyms: {en: [true, two]}, end: 3}
  b:
    ask: {save_as: n, entity: number, invalid: 7}
    next: c
  c:
    end: true
`
	if _, ds := Load("scalars.yaml", []byte(src)); ds.HasErrors() {
		t.Fatalf("the loader refuses the flow: %v", ds.Err())
	}
	if err := s.Validate(yamlDoc(t, []byte(src))); err != nil {
		t.Errorf("the loader accepts this flow, the schema does not:\n%v", err)
	}
}
