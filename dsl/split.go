package dsl

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"sync"

	"go.yaml.in/yaml/v3"
)

// A large flow file is decoded in parts, on goroutines of their own.
// Decoding YAML is most of the time a load takes, and one file of a
// thousand states would otherwise keep one core busy while the others
// wait. Only a file of the usual shape is cut: its states: mapping is
// the last top-level key and runs to the end of the file, and the cuts
// fall on the lines that start a state (the mapping's keys, at its
// indent). Each part is then a YAML document of its own: the first ends
// with some states, each next one is a mapping of states, whose keys and
// values are appended to the first part's states: with their lines moved
// to where they are in the file. Whenever anything is not plain (another
// line break than \n, a line at column 0 after states:, a part that does
// not decode cleanly alone, such as a quoted text running over a cut or
// an alias of an anchor in an earlier part), the whole file is decoded
// at once instead, so every diagnostic stays what it was. Comments other
// than a node's line comment (the only ones the loader reads) may attach
// to other nodes near a cut.

// minPart is the smallest part worth a goroutine of its own.
const minPart = 32 << 10

// decodeInParts decodes src in up to parts parts and joins their trees
// into the root mapping the whole file decodes to; ok=false when src is
// not cut (too small, or not of the usual shape) or a part does not
// decode cleanly: the caller decodes the whole file.
func decodeInParts(src []byte, parts int) (root *yaml.Node, ok bool) {
	return decodeCut(src, cutPoints(src, parts))
}

// decodeCut decodes src cut at cuts (increasing offsets of lines of
// stateKeyLines), as decodeInParts.
func decodeCut(src []byte, cuts []int) (root *yaml.Node, ok bool) {
	if len(cuts) == 0 {
		return nil, false
	}
	bounds := append(append([]int{0}, cuts...), len(src))
	roots := make([]*yaml.Node, len(bounds)-1)
	var wg sync.WaitGroup
	for i := 1; i < len(roots); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			roots[i] = decodePart(src[bounds[i]:bounds[i+1]])
		}()
	}
	roots[0] = decodePart(src[:bounds[1]])
	wg.Wait()
	for _, r := range roots {
		if r == nil || r.Kind != yaml.MappingNode || r.Style&yaml.FlowStyle != 0 {
			return nil, false
		}
	}
	root = roots[0]
	last := len(root.Content) - 2
	if last < 0 || root.Content[last].Kind != yaml.ScalarNode || root.Content[last].Value != "states" {
		return nil, false
	}
	states := root.Content[last+1]
	if states.Kind != yaml.MappingNode || states.Style&yaml.FlowStyle != 0 || states.Anchor != "" {
		return nil, false
	}
	for i, r := range roots[1:] {
		if r.Anchor != "" || r.ShortTag() != "!!map" || r.Tag != "!!map" && r.Tag != "" {
			return nil, false
		}
		lines := bytes.Count(src[:bounds[i+1]], []byte{'\n'})
		for _, n := range r.Content {
			shiftLines(n, lines)
		}
		states.Content = append(states.Content, r.Content...)
	}
	return root, true
}

// decodePart decodes one part: its root node, nil unless the part is one
// YAML document that decodes without error.
func decodePart(src []byte) (root *yaml.Node) {
	defer func() {
		if recover() != nil { // the whole file's decoding reports it
			root = nil
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if dec.Decode(&doc) != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil
	}
	var second yaml.Node
	if err := dec.Decode(&second); !errors.Is(err, io.EOF) {
		return nil
	}
	return doc.Content[0]
}

// shiftLines moves the nodes under n down by lines lines.
func shiftLines(n *yaml.Node, lines int) {
	n.Line += lines
	for _, c := range n.Content {
		shiftLines(c, lines)
	}
}

// cutPoints are the byte offsets at which src is cut into at most parts
// parts of about the same size, each at one of its stateKeyLines after the
// first; none when src is not of that shape.
func cutPoints(src []byte, parts int) []int {
	if parts < 2 {
		return nil
	}
	keys := stateKeyLines(src)
	var cuts []int
	k := 1 // the first part holds at least one state
	for p := 1; p < parts && k < len(keys); p++ {
		want := len(src) * p / parts
		for k < len(keys) && keys[k] < want {
			k++
		}
		if k < len(keys) {
			cuts = append(cuts, keys[k])
			k++
		}
	}
	return cuts
}

// stateKeyLines are the offsets of the lines that start a key of the
// top-level states: mapping when it is in block style and runs to the
// end of src, the file's only line breaks being \n; none otherwise.
func stateKeyLines(src []byte) []int {
	if !onlyNewlines(src) {
		return nil
	}
	const key = "states:"
	at := 0
	if !bytes.HasPrefix(src, []byte(key)) {
		at = bytes.Index(src, []byte("\n"+key)) + 1
		if at == 0 {
			return nil
		}
	}
	// The states: line holds nothing else: the mapping is in block style
	// on the lines after it.
	i := at + len(key)
	for i < len(src) && src[i] == ' ' {
		i++
	}
	if i < len(src) && src[i] != '\n' && src[i] != '#' {
		return nil
	}
	indent := 0    // the mapping's keys', set by its first line
	var keys []int // where each key's line starts
	for i = lineAfter(src, i); i < len(src); i = lineAfter(src, i) {
		j := i
		for j < len(src) && src[j] == ' ' {
			j++
		}
		if j == len(src) || src[j] == '\n' || src[j] == '#' {
			continue // a blank or comment line
		}
		switch c := src[j]; {
		case j == i || c == '\t':
			return nil // another top-level key, or a tab: not cut
		case indent == 0:
			indent = j - i
		case j-i < indent:
			return nil
		case j-i > indent || c == '-' || c == '?' || c == ':':
			continue
		}
		keys = append(keys, i)
	}
	return keys
}

// lineAfter is where the line after the one holding byte i starts.
func lineAfter(src []byte, i int) int {
	if j := bytes.IndexByte(src[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(src)
}

// parts is how many parts a file of n bytes is decoded in.
func parts(n int) int {
	return min(runtime.GOMAXPROCS(0), n/minPart)
}
