package dsl

import (
	"os"
	"strings"
	"testing"

	"github.com/expr-lang/expr/builtin"
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
