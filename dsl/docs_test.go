package dsl

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/expr-lang/expr/builtin"
	"go.yaml.in/yaml/v3"
)

// TestDocsListEveryFunction: docs/dsl.md names every function an
// expression can call: expr's builtins and Baton's own.
func TestDocsListEveryFunction(t *testing.T) {
	doc, err := os.ReadFile("../docs/dsl.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(doc), "\n### Functions\n")
	section, _, _ = strings.Cut(section, "\n### ")
	for _, name := range append(append([]string(nil), builtin.Names...), "urlencode") {
		if !strings.Contains(section, "`"+name+"`") && !strings.Contains(section, "`"+name+"(") {
			t.Errorf("docs/dsl.md's Functions section does not list %s", name)
		}
	}
}

// docBlock is a ```yaml example of docs/dsl.md.
type docBlock struct {
	line int // of its first line in the document
	src  string
	file string // from a first line "# file: NAME"
}

func docBlocks(t *testing.T) []docBlock {
	t.Helper()
	doc, err := os.ReadFile("../docs/dsl.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []docBlock
	lines := strings.Split(string(doc), "\n")
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```yaml" {
			continue
		}
		b := docBlock{line: i + 2}
		var body []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			body = append(body, lines[i])
		}
		b.src = strings.Join(body, "\n") + "\n"
		if name, ok := strings.CutPrefix(body[0], "# file: "); ok {
			b.file = strings.TrimSpace(name)
		}
		out = append(out, b)
	}
	return out
}

// TestDocsExamplesValidate: every YAML example of docs/dsl.md loads. A
// whole flow (flow:) loads without errors or warnings, its includes read
// from the examples marked "# file: NAME"; a part of a flow (a state's
// keys, top-level sections) is checked in a flow around it, with the
// states and variables it names from elsewhere taken on trust.
func TestDocsExamplesValidate(t *testing.T) {
	blocks := docBlocks(t)
	if len(blocks) < 10 {
		t.Fatalf("only %d YAML examples found", len(blocks))
	}
	files := map[string][]byte{}
	for _, b := range blocks {
		if b.file != "" {
			files[b.file] = []byte(b.src)
		}
	}
	read := WithReadFile(func(name string) ([]byte, error) {
		if src, ok := files[name]; ok {
			return src, nil
		}
		return os.ReadFile("../examples/flows/" + name) // what the docs point to
	})
	for _, b := range blocks {
		where := "docs/dsl.md:" + strconv.Itoa(b.line)
		name := b.file
		if name == "" {
			name = "example.yaml"
		}
		var root map[string]any
		if err := yaml.Unmarshal([]byte(b.src), &root); err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		var ds Diagnostics
		switch kind := docKind(root); kind {
		case "flow":
			_, ds = Load(name, []byte(b.src), read)
			if len(ds) > 0 { // warnings too: an example is clean
				t.Errorf("%s: the flow example does not validate:\n%v", where, ds)
			}
			continue
		case "fragment":
			ds = newLoader([]Option{read}).loadFragment(name, []byte(b.src))
		case "state":
			src := "states:\n  s:\n" + indent(b.src, "    ")
			ds = newLoader([]Option{read}).loadFragment(name, []byte(src))
		case "states": // whole states, by name
			ds = newLoader([]Option{read}).loadFragment(name, []byte("states:\n"+indent(b.src, "  ")))
		case "top":
			l := newLoader([]Option{read})
			l.outside = true
			head := "flow: example\nlanguages: [it, en]\nstart: s\nstates:\n  s: {end: true}\n"
			if first := firstState(b.src); first != "" {
				head = "flow: example\nlanguages: [it, en]\nstart: " + first + "\n"
			}
			_, ds = l.load(name, []byte(head+b.src))
		default:
			t.Errorf("%s: an example of nothing the loader reads (keys %v)", where, kind)
			continue
		}
		if ds.HasErrors() {
			t.Errorf("%s: the example does not validate:\n%v", where, ds.Err())
		}
	}
}

// docKind says what an example is by its keys.
func docKind(root map[string]any) string {
	if _, ok := root["flow"]; ok {
		return "flow"
	}
	kind := ""
	for k := range root {
		var this string
		switch {
		case contains(includeKeys, k):
			this = "fragment"
		case contains(stateKeys, k):
			this = "state"
		case contains(topKeys, k):
			this = "top"
		default:
			if _, isMap := root[k].(map[string]any); isMap && (kind == "" || kind == "states") {
				this = "states"
				break
			}
			return "unknown key " + k
		}
		if kind == "top" || this == "top" {
			kind = "top"
		} else if kind == "" {
			kind = this
		} else if kind != this {
			return "mixed"
		}
	}
	return kind
}

func indent(s, pad string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pad + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// firstState is the first state of an example that has states:.
func firstState(src string) string {
	var doc struct {
		States yaml.Node `yaml:"states"`
	}
	if yaml.Unmarshal([]byte(src), &doc) != nil || len(doc.States.Content) == 0 {
		return ""
	}
	return doc.States.Content[0].Value
}
