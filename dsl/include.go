package dsl

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// includes loads each included file (relative to the including file) and
// merges its vars, hours, nlu, triggers and states. A file is included once
// even if several files include it; including a file that is already on
// the include chain is a cycle.
func (l *loader) includes(n *yaml.Node, chain []string) {
	items, ok := l.list(n, "a list of files to include")
	if !ok {
		if isScalar(n) && !isNull(n) {
			items = []*yaml.Node{n}
		} else {
			return
		}
	}
	for i, it := range items {
		rel, ok := l.name(it, "a file path")
		if !ok {
			continue
		}
		_, path, _ := l.includePath(it)
		if contains(chain, path) {
			l.errorf(it, "include cycle: %s → %s; a file cannot include itself, directly or not", strings.Join(chain, " → "), path)
			continue
		}
		if _, done := l.files[path]; done {
			continue
		}
		if len(l.files) > MaxIncludes {
			l.errorf(it, "more than %d included files; merge some of them", MaxIncludes)
			return
		}
		p := l.takeParsed(path)
		l.parseAhead(items[i+1:], chain) // while this one converts
		if p.err != nil {
			l.errorf(it, "cannot include %q: %s", rel, strings.TrimPrefix(readError(p.err), "cannot read the file: "))
			l.unloaded = append(l.unloaded, rel)
			continue
		}
		if p.root == nil && p.diags.HasErrors() {
			l.unloaded = append(l.unloaded, rel)
		}
		if l.notAFragment(it, rel, p.root) {
			continue
		}
		f := p.f
		f.index = len(l.files)
		l.files[path] = f
		l.diags = append(l.diags, p.diags...)
		prev := l.file
		l.file = f
		if p.root != nil {
			l.included(p.root, append(chain[:len(chain):len(chain)], path))
		}
		l.file = prev
	}
}

// included converts the root of an included file; chain is the include
// chain down to it.
func (l *loader) included(root *yaml.Node, chain []string) {
	ps, _ := l.fields(root, "an included file", includeKeys)
	l.mainOnly(root)
	var nested *yaml.Node
	for _, p := range ps {
		if resolve(p.key).Value == "include" {
			nested = p.val
		}
	}
	l.parseAhead(includeItems(nested), chain)
	for _, p := range ps {
		if k := resolve(p.key).Value; k != "include" {
			l.shared(k, p.val, chain)
		}
	}
	if nested != nil {
		l.includes(nested, chain)
	}
}

// mainOnly explains why the main file's own keys are refused in an
// included file (fields reports them as unknown keys).
func (l *loader) mainOnly(root *yaml.Node) {
	for _, p := range pairs(root) {
		if k := resolve(p.key); k.Kind == yaml.ScalarNode && contains(topKeys, k.Value) && !contains(includeKeys, k.Value) {
			l.errorf(p.key, "%s: belongs in the main flow file; an included file holds only vars, include, hours, nlu, triggers and states", k.Value)
		}
	}
}

// notAFragment refuses, with one error at the include: item, a file that
// is a whole flow (languages: and start:) or a conversation test
// (conversations:), rather than an error per key and state of it.
func (l *loader) notAFragment(it *yaml.Node, rel string, root *yaml.Node) bool {
	if root == nil || root.Kind != yaml.MappingNode {
		return false
	}
	has := func(key string) bool {
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == key {
				return true
			}
		}
		return false
	}
	switch {
	case has("conversations"):
		l.errorf(it, "cannot include %q: it is a conversation test file (it has conversations:); run it with baton test", rel)
	case has("languages") && has("start"):
		l.errorf(it, "cannot include %q: it is a whole flow (it has languages: and start:), and an included file holds only vars, include, hours, nlu, triggers and states; to run it from a state, call it (call: {flow: %s})", rel, rel)
		l.unloaded = append(l.unloaded, rel)
	default:
		return false
	}
	return true
}
