package dsl

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// resolve follows an alias to the node it names. Cycles and bombs were
// rejected by checkBounds before any node is resolved.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	return n
}

// describe names the kind of value n holds, for "expected X, got Y".
func describe(n *yaml.Node) string {
	n = resolve(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing"
		case "!!bool":
			return "true/false"
		case "!!int", "!!float":
			return "a number"
		}
		return "a string"
	}
	return "nothing"
}

func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

func isScalar(n *yaml.Node) bool {
	n = resolve(n)
	return n != nil && n.Kind == yaml.ScalarNode
}

// pair is one key and its value in a map.
type pair struct {
	key, val *yaml.Node
}

// pairs lists the entries of a map in written order, merging `<<: *alias`
// entries in place (an explicit key overrides a merged one).
func pairs(n *yaml.Node) []pair {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out := make([]pair, 0, len(n.Content)/2)
	merges := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if isMerge(k) {
			merges = true
			break
		}
		out = append(out, pair{k, n.Content[i+1]})
	}
	if !merges {
		return out // the usual map: no merge key, nothing to look up
	}
	out = out[:0]
	explicit := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := resolve(n.Content[i]); k.Kind == yaml.ScalarNode && !isMerge(k) {
			explicit[k.Value] = true
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if isMerge(k) {
			var srcs []*yaml.Node
			if rv := resolve(v); rv != nil && rv.Kind == yaml.SequenceNode {
				srcs = rv.Content
			} else {
				srcs = []*yaml.Node{v}
			}
			for _, s := range srcs {
				for _, p := range pairs(s) {
					if rk := resolve(p.key); rk.Kind == yaml.ScalarNode && explicit[rk.Value] {
						continue
					}
					out = append(out, p)
				}
			}
			continue
		}
		out = append(out, pair{k, v})
	}
	return out
}

// uniquePairs is pairs(rn) for a map whose keys the designer chooses (a
// text's languages, headers, a body), reporting a key written twice in it,
// which YAML would keep the last of silently; the first is kept. (Of keys
// two merges bring, the first is kept without a word, as YAML merges do.)
func (l *loader) uniquePairs(rn *yaml.Node, what string) []pair {
	all := pairs(rn)
	out := all[:0]
	var seen map[string]*yaml.Node // for a large map: keyIn is linear
	for _, p := range all {
		k := resolve(p.key)
		if k.Kind != yaml.ScalarNode {
			out = append(out, p)
			continue
		}
		var first *yaml.Node
		if len(all) <= 8 {
			first = keyIn(out, k.Value)
		} else {
			if seen == nil {
				seen = make(map[string]*yaml.Node, len(all))
			}
			if first = seen[k.Value]; first == nil {
				seen[k.Value] = k
			}
		}
		if first == nil {
			out = append(out, p)
			continue
		}
		for i := 0; i < len(rn.Content); i += 2 {
			if rn.Content[i] == p.key {
				l.errorf(p.key, "duplicate key %q in %s (first at line %d); keep one", k.Value, what, first.Line)
				break
			}
		}
	}
	return out
}

// isMerge reports whether k is the merge key `<<`.
func isMerge(k *yaml.Node) bool {
	k = resolve(k)
	return k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge"
}

// fields checks that n is a map whose keys are all in allowed (what names
// the map in messages: "a state", "an http action"), reporting unknown and
// duplicate keys. It returns the entries in written order, first
// occurrence only, and ok=false when n is not a map at all.
func (l *loader) fields(n *yaml.Node, what string, allowed []string) ([]pair, bool) {
	rn := resolve(n)
	if rn == nil || rn.Kind != yaml.MappingNode {
		if isNull(n) {
			return nil, true
		}
		l.errorf(n, "expected %s (a map), got %s", what, describe(n))
		return nil, false
	}
	all := pairs(rn)
	out := all[:0] // the kept entries, in place: a map has a few keys
	for _, p := range all {
		k := resolve(p.key)
		if k.Kind != yaml.ScalarNode {
			l.errorf(p.key, "a key in %s must be a name, got %s", what, describe(k))
			continue
		}
		if !contains(allowed, k.Value) {
			if what == "an included file" && contains(topKeys, k.Value) {
				continue // explained by mainOnly
			}
			if hint := misplaced(what, k.Value, p.val, rn); hint != "" {
				l.errorf(p.key, "unknown key %q in %s: %s", k.Value, what, hint)
				continue
			}
			l.errorf(p.key, "unknown key %q in %s%s", k.Value, what, suggestKey(k.Value, allowed))
			continue
		}
		if first := keyIn(out, k.Value); first != nil {
			l.errorf(p.key, "duplicate key %q in %s (first at line %d); keep one", k.Value, what, first.Line)
			continue
		}
		out = append(out, p)
	}
	return out, true
}

// stateParts are the maps a state holds by key, as fields names them:
// a key of the state written inside one of them was indented too deep.
var stateParts = map[string]string{"an ask": "ask", "a survey": "survey", "a menu": "menu", "a call": "call", "an http action": "http", "a handoff": "handoff"}

// partKeys are the keys of each of those maps.
var partKeys = map[string][]string{"ask": askKeys, "survey": surveyKeys, "menu": menuKeys, "call": callKeys, "http": httpKeys, "handoff": handoffKeys}

// misplaced says where key, unknown in what (the map m), belongs when
// it is a key of the map around what (a state's next: indented inside
// its ask:), of a map beside it (a survey's skip: written beside
// survey:), or when a key of the flow file holds a state (indented too
// shallow); "" otherwise.
func misplaced(what, key string, val, m *yaml.Node) string {
	if part, ok := stateParts[what]; ok && contains(stateKeys, key) {
		return fmt.Sprintf("%s: is a key of the state, not of its %s:; indent it like %s:", key, part, part)
	}
	if strings.HasPrefix(what, "state ") {
		for _, p := range pairs(m) {
			part := resolve(p.key).Value
			if contains(partKeys[part], key) {
				return fmt.Sprintf("%s: is a key of the state's %s:; indent it under %s:", key, part, part)
			}
		}
		return ""
	}
	if what != "the flow file" && what != "an included file" {
		return ""
	}
	rv := resolve(val)
	if rv == nil || rv.Kind != yaml.MappingNode {
		return ""
	}
	var has []string
	for _, p := range pairs(rv) {
		if k := resolve(p.key); k.Kind == yaml.ScalarNode && contains(stateKeys, k.Value) && !contains(topKeys, k.Value) {
			has = append(has, k.Value+":")
		}
	}
	if len(has) == 0 {
		return ""
	}
	return fmt.Sprintf("it looks like a state (it has %s); states go under states:, indented like the others", strings.Join(has, ", "))
}

// keyIn is the key node of ps named key, nil if there is none.
func keyIn(ps []pair, key string) *yaml.Node {
	for _, p := range ps {
		if k := resolve(p.key); k.Value == key {
			return k
		}
	}
	return nil
}

// suggestKey is didYouMean for keys, listing the valid keys when no key is
// close.
func suggestKey(name string, allowed []string) string {
	if s := didYouMean(name, allowed); s != "" {
		return s
	}
	return "; expected one of " + strings.Join(allowed, ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// str returns the text of a scalar; what names the value in messages.
func (l *loader) str(n *yaml.Node, what string) (string, bool) {
	rn := resolve(n)
	if rn == nil || rn.Kind != yaml.ScalarNode || rn.ShortTag() == "!!null" {
		l.errorf(n, "expected %s, got %s", what, describe(n))
		return "", false
	}
	return rn.Value, true
}

// name returns a non-empty single-line string (a state, variable or
// calendar name).
func (l *loader) name(n *yaml.Node, what string) (string, bool) {
	s, ok := l.str(n, what)
	if !ok {
		return "", false
	}
	if strings.TrimSpace(s) == "" {
		l.errorf(n, "%s is empty", what)
		return "", false
	}
	return s, true
}

func (l *loader) boolean(n *yaml.Node, what string) (bool, bool) {
	rn := resolve(n)
	if rn != nil && rn.Kind == yaml.ScalarNode && rn.ShortTag() == "!!bool" {
		b, err := strconv.ParseBool(strings.ToLower(rn.Value))
		if err == nil {
			return b, true
		}
	}
	l.errorf(n, "expected %s to be true or false, got %s", what, describe(n))
	return false, false
}

func (l *loader) integer(n *yaml.Node, what string) (int, bool) {
	rn := resolve(n)
	if rn != nil && rn.Kind == yaml.ScalarNode && rn.ShortTag() == "!!int" {
		var v int
		if err := rn.Decode(&v); err == nil {
			return v, true
		}
	}
	l.errorf(n, "expected %s (a whole number), got %s", what, describe(n))
	return 0, false
}

func (l *loader) number(n *yaml.Node, what string) (float64, bool) {
	rn := resolve(n)
	if rn != nil && rn.Kind == yaml.ScalarNode && (rn.ShortTag() == "!!int" || rn.ShortTag() == "!!float") {
		var v float64
		if err := rn.Decode(&v); err == nil {
			return v, true
		}
	}
	l.errorf(n, "expected %s (a number), got %s", what, describe(n))
	return 0, false
}

// list returns the items of a sequence.
func (l *loader) list(n *yaml.Node, what string) ([]*yaml.Node, bool) {
	rn := resolve(n)
	if rn == nil || rn.Kind != yaml.SequenceNode {
		if isNull(n) {
			return nil, true
		}
		l.errorf(n, "expected %s, got %s", what, describe(n))
		return nil, false
	}
	return rn.Content, true
}

// strList returns a list of strings; a single string is a list of one.
func (l *loader) strList(n *yaml.Node, what string) ([]string, bool) {
	if isScalar(n) && !isNull(n) {
		return []string{resolve(n).Value}, true
	}
	items, ok := l.list(n, what+"s (a list)")
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		if s, ok := l.str(it, what); ok {
			out = append(out, s)
		} else {
			ok = false
		}
	}
	return out, ok
}

// value decodes n into plain Go values (map[string]any, []any, string,
// int, float64, bool, nil), for variable defaults and canned bodies.
func (l *loader) value(n *yaml.Node) any {
	rn := resolve(n)
	if rn == nil {
		return nil
	}
	switch rn.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for _, p := range pairs(rn) {
			k := resolve(p.key)
			if k.Kind != yaml.ScalarNode {
				l.errorf(p.key, "a map key must be a name, got %s", describe(k))
				continue
			}
			m[k.Value] = l.value(p.val)
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, 0, len(rn.Content))
		for _, c := range rn.Content {
			s = append(s, l.value(c))
		}
		return s
	case yaml.ScalarNode:
		switch rn.ShortTag() {
		case "!!null":
			return nil
		case "!!bool", "!!int", "!!float":
			var v any
			if err := rn.Decode(&v); err == nil {
				if u, ok := v.(uint64); ok {
					return float64(u)
				}
				return v
			}
		}
		return rn.Value
	}
	return nil
}
