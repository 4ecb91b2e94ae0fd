package dsl

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/batonbot/baton/flows"
	"go.yaml.in/yaml/v3"
)

// srcFile is one loaded flow file: its text, for mapping positions inside
// scalars, and its rank in diagnostics.
type srcFile struct {
	path       string
	src        []byte
	lineStarts []int
	index      int
	// cursor and colCursor make position look-ups in increasing order
	// linear (see posIn and posOf).
	cursor    posCursor
	colCursor colCursor
	widths    map[int]int // line → runes, filled by lineWidth
}

func newSrcFile(path string, src []byte, index int) *srcFile {
	f := &srcFile{path: path, src: src, index: index}
	f.lineStarts = make([]int, 1, bytes.Count(src, []byte{'\n'})+1)
	if onlyNewlines(src) {
		// The usual file: every line ends in \n, found a word at a time.
		for i := 0; ; {
			j := bytes.IndexByte(src[i:], '\n')
			if j < 0 {
				return f
			}
			i += j + 1
			f.lineStarts = append(f.lineStarts, i)
		}
	}
	for i := 0; i < len(src); {
		if w := breakAt(src, i); w > 0 {
			i += w
			f.lineStarts = append(f.lineStarts, i)
			continue
		}
		i++
	}
	return f
}

// onlyNewlines reports whether \n is the only line break in src (no \r,
// NEL, LS or PS).
func onlyNewlines(src []byte) bool {
	return bytes.IndexByte(src, '\r') < 0 && !bytes.Contains(src, []byte("\u0085")) &&
		!bytes.Contains(src, []byte("\u2028")) && !bytes.Contains(src, []byte("\u2029"))
}

// breakAt is the width of the line break at src[i], 0 if there is none.
// Like the YAML parser, it counts \r\n, \r, \n, NEL, LS and PS.
func breakAt(src []byte, i int) int {
	switch c := src[i]; {
	case c == '\n':
		return 1
	case c == '\r':
		if i+1 < len(src) && src[i+1] == '\n' {
			return 2
		}
		return 1
	case c == 0xC2 && i+1 < len(src) && src[i+1] == 0x85:
		return 2
	case c == 0xE2 && i+2 < len(src) && src[i+1] == 0x80 && (src[i+2] == 0xA8 || src[i+2] == 0xA9):
		return 3
	}
	return 0
}

var (
	yamlLineErr   = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	unknownAnchor = regexp.MustCompile(`unknown anchor '(.*)' referenced`)
)

// parse turns src into the root mapping node of a flow file, reporting
// hostile or malformed input. It returns nil when the file cannot be used.
func (l *loader) parse(f *srcFile) (root *yaml.Node) {
	fileErr := func(format string, args ...any) {
		l.errAt(flows.Pos{File: f.path}, format, args...)
	}
	src := f.src
	if len(src) > MaxFileSize {
		fileErr("the file is larger than %d bytes (1 MiB), the limit for a flow file; split it with include:", MaxFileSize)
		return nil
	}
	if at, msg := NotText(src, "a flow file"); msg != "" {
		l.errAt(BytePos(f.path, src, at), "not a text file: %s", msg)
		return nil
	}
	if len(bytes.TrimSpace(src)) == 0 {
		fileErr("the file is empty; a flow needs at least flow:, languages:, start: and states:")
		return nil
	}
	defer func() {
		// The YAML parser is not ours: never let a bug in it crash a load.
		if r := recover(); r != nil {
			root = nil
			fileErr("the YAML parser failed on this file (%v); please report it with the file", r)
		}
	}()
	if root, ok := decodeInParts(src, parts(len(src))); ok {
		if !l.checkBounds(f, root) {
			return nil
		}
		return root
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			fileErr("the file is empty; a flow needs at least flow:, languages:, start: and states:")
			return nil
		}
		l.yamlError(f, err)
		return nil
	}
	var second yaml.Node
	if err := dec.Decode(&second); err == nil {
		l.errAt(flows.Pos{File: f.path, Line: second.Line, Col: second.Column},
			"a flow file holds one YAML document; remove the second one (after ---) or move it to its own file")
		return nil
	} else if !errors.Is(err, io.EOF) {
		l.yamlError(f, err)
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || isNull(doc.Content[0]) {
		fileErr("the file is empty; a flow needs at least flow:, languages:, start: and states:")
		return nil
	}
	root = doc.Content[0]
	if !l.checkBounds(f, root) {
		return nil
	}
	return root
}

// yamlError turns a parser error ("yaml: line 3: did not find expected key")
// into a diagnostic at that line.
func (l *loader) yamlError(f *srcFile, err error) {
	pos, msg := f.yamlError(err)
	l.errAt(pos, "%s", msg)
}

// YAMLError says where a YAML parser error in src, the text of the file
// path, really is and what it is, as the flow loader reports it: at the
// line and column of the slip (not the line of the enclosing map the
// parser names), "invalid YAML: " and the parser's words with a hint at
// the usual cause. Other YAML files (conversation tests) report theirs
// the same way.
func YAMLError(path string, src []byte, err error) (flows.Pos, string) {
	return newSrcFile(path, src, 0).yamlError(err)
}

func (f *srcFile) yamlError(err error) (flows.Pos, string) {
	msg := err.Error()
	if m := yamlLineErr.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		line = max(1, min(line, len(f.lineStarts)))
		pos, hint := f.yamlProblem(line, m[2])
		if hint == "" {
			hint = yamlHint(m[2])
		}
		return pos, "invalid YAML: " + m[2] + hint
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	p := flows.Pos{File: f.path}
	if m := unknownAnchor.FindStringSubmatch(msg); m != nil {
		if i := bytes.Index(f.src, []byte("*"+m[1])); i >= 0 {
			p = f.posOf(i)
		}
		msg += "; define it with &" + m[1] + " before using it"
	}
	return p, "invalid YAML: " + msg
}

// checkBounds measures the tree as the loader will walk it, aliases
// expanded, and rejects alias bombs, alias cycles and deep nesting before
// any of it is walked. Sizes are memoised per node, so the check itself is
// linear in the file.
func (l *loader) checkBounds(f *srcFile, root *yaml.Node) bool {
	type measure struct{ size, depth int }
	// Only anchored nodes can be reached twice (through aliases), so only
	// they are memoised and watched for cycles: a file without anchors is
	// walked once, with no map at all.
	var memo map[*yaml.Node]measure
	var busy map[*yaml.Node]bool
	var cycle *yaml.Node
	var deep *yaml.Node
	var walk func(n *yaml.Node, level int) measure
	walk = func(n *yaml.Node, level int) measure {
		if level > MaxDepth && deep == nil {
			deep = n
		}
		anchored := n.Anchor != ""
		if anchored {
			if m, ok := memo[n]; ok {
				return m
			}
			if busy[n] {
				if cycle == nil {
					cycle = n
				}
				return measure{MaxNodes + 1, MaxDepth + 1}
			}
			if busy == nil {
				memo, busy = map[*yaml.Node]measure{}, map[*yaml.Node]bool{}
			}
			busy[n] = true
		}
		var m measure
		if n.Kind == yaml.AliasNode {
			if n.Alias != nil {
				m = walk(n.Alias, level)
			}
		} else {
			m = measure{size: 1, depth: 1}
			for _, c := range n.Content {
				cm := walk(c, level+1)
				m.size = min(m.size+cm.size, MaxNodes+1)
				m.depth = max(m.depth, cm.depth+1)
			}
		}
		if anchored {
			busy[n] = false
			memo[n] = m
		}
		return m
	}
	m := walk(root, 0)
	at := func(n *yaml.Node) flows.Pos { return flows.Pos{File: f.path, Line: n.Line, Col: n.Column} }
	switch {
	case cycle != nil:
		l.errAt(at(cycle), "an alias refers to the node that contains it; remove the alias")
	case m.size > MaxNodes:
		l.errAt(flows.Pos{File: f.path}, "aliases expand to more than %d YAML nodes (an alias bomb?); write the values out or use fewer nested aliases", MaxNodes)
	case m.depth > MaxDepth:
		p := flows.Pos{File: f.path}
		if deep != nil {
			p = at(deep)
		}
		l.errAt(p, "nesting deeper than %d levels (aliases expanded); a flow never needs that much, flatten it", MaxDepth)
	default:
		return true
	}
	return false
}

// yamlProblem finds where a parser error really is. The YAML parser names
// the line where the enclosing map or list starts (a misindented key deep
// in states: is reported at states:), so the file is cut after each line,
// by bisection, to find the first line whose prefix already fails the same
// way: the problem is on that line, at its first token. An unclosed quote
// is pointed at. The hint, when not empty, says what is wrong there.
func (f *srcFile) yamlProblem(line int, msg string) (flows.Pos, string) {
	at := func(line, col int) flows.Pos { return flows.Pos{File: f.path, Line: line, Col: col} }
	text := func(line int) string {
		end := len(f.src)
		if line < len(f.lineStarts) {
			end = f.lineStarts[line]
		}
		return string(trimBreak(f.src[f.lineStarts[line-1]:end]))
	}
	if strings.Contains(msg, "end of stream") {
		// An unclosed quote: the error names the line it opens on.
		if col := openQuote(text(line)); col > 0 {
			return at(line, col), " (a quote opened here is never closed)"
		}
		return at(line, 1), ""
	}
	if strings.Contains(msg, "mapping values are not allowed") {
		// "say: Note: this": the second ": " of the line.
		t := text(line)
		if i := strings.Index(t, ": "); i >= 0 {
			if j := strings.Index(t[i+2:], ":"); j >= 0 {
				return at(line, utf8.RuneCountInString(t[:i+2+j])+1), ""
			}
		}
	}
	fails := func(lines int) bool {
		end := len(f.src)
		if lines < len(f.lineStarts) {
			end = f.lineStarts[lines]
		}
		var n yaml.Node
		err := yaml.Unmarshal(f.src[:end], &n)
		if err == nil {
			return false
		}
		m := yamlLineErr.FindStringSubmatch(err.Error())
		return m != nil && m[2] == msg
	}
	lo, hi := line, len(f.lineStarts) // the first failing prefix is in [lo, hi]
	if !fails(hi) {
		return at(line, 1), ""
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	indent := func(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }
	here := text(lo)
	pos := at(lo, indent(here)+1)
	if strings.Contains(msg, "did not find expected key") {
		// The line above, when it is deeper, is usually the misindented one.
		for prev := lo - 1; prev > line; prev-- {
			p := text(prev)
			if t := strings.TrimSpace(p); t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			switch {
			case indent(p) > indent(here):
				return pos, fmt.Sprintf(" (the keys of one map must line up: line %d starts at column %d, this line at column %d; is one of them indented by mistake?)", prev, indent(p)+1, indent(here)+1)
			case indent(p) < indent(here):
				return pos, fmt.Sprintf(" (this line starts at column %d, right of line %d's key at column %d: align the keys of one map)", indent(here)+1, prev, indent(p)+1)
			}
			break
		}
	}
	if strings.Contains(msg, "mapping values are not allowed") {
		// A key indented under a key with a plain value ("say: hi" then
		// "  end: true") continues that value as text, and its ": " is
		// refused: an indent slip, not text to quote.
		for prev := lo - 1; prev > 0; prev-- {
			p := text(prev)
			t := strings.TrimSpace(p)
			if t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			key := indent(p)
			for strings.HasPrefix(p[key:], "- ") {
				key += 2 + indent(p[key+2:])
			}
			k, v, ok := strings.Cut(p[key:], ": ")
			if ok && !strings.ContainsAny(k, "\"'{[") && strings.TrimSpace(v) != "" && key < indent(here) {
				return pos, fmt.Sprintf(" (this line starts at column %d, right of line %d's key at column %d: align the keys of one map)", indent(here)+1, prev, key+1)
			}
			break
		}
	}
	return pos, ""
}

// openQuote is the column of the quote that opens a value on line and is
// not closed there, 0 if none.
func openQuote(line string) int {
	col := 0
	var open rune
	for i, r := range []rune(line) {
		switch {
		case open == 0 && (r == '"' || r == '\'') && (i == 0 || strings.ContainsRune(" :-[{,", []rune(line)[i-1])):
			open, col = r, i+1
		case open == '"' && r == '\\':
			// the next rune is escaped; skipping it is not needed to find the end
		case open != 0 && r == open:
			open, col = 0, 0
		case open == 0 && r == '#' && i > 0 && []rune(line)[i-1] == ' ':
			return 0
		}
	}
	return col
}

// yamlHint suggests the usual cause of a YAML parser error.
func yamlHint(msg string) string {
	switch {
	case strings.Contains(msg, "unexpected end of stream"), strings.Contains(msg, "did not find expected"):
		return " (is a quote or bracket left open, or an indent off?)"
	case strings.Contains(msg, "mapping values are not allowed"):
		return " (quote text that contains \": \")"
	case strings.Contains(msg, "found character that cannot start any token"):
		return " (indent with spaces, not tabs; quote text starting with @ or `)"
	}
	return ""
}

// NotText says why src, the text of what ("a flow file"), is not UTF-8
// text, and at which byte: a file saved as UTF-16 (at its start), a NUL
// byte (binary data), the first byte that is not UTF-8 (a file saved as
// Latin-1, most often); "" when src is UTF-8 text. BytePos turns the
// byte into the position to report.
func NotText(src []byte, what string) (at int, msg string) {
	save := what + " is UTF-8 text: save it with the encoding UTF-8"
	if bytes.HasPrefix(src, []byte{0xFF, 0xFE}) || bytes.HasPrefix(src, []byte{0xFE, 0xFF}) {
		return 0, "the file is saved as UTF-16; " + save
	}
	for i := 0; i < len(src); {
		r, n := utf8.DecodeRune(src[i:])
		switch {
		case r == 0:
			return i, "a NUL byte here; " + what + " is UTF-8 text, not binary data (is it the file you meant?)"
		case r == utf8.RuneError && n == 1:
			b := src[i]
			if latin1Letter(b) && (i+1 == len(src) || src[i+1] < utf8.RuneSelf) {
				return i, fmt.Sprintf("byte 0x%02X here is not UTF-8 (a file saved as Latin-1 or Windows-1252?); %s", b, save)
			}
			return i, fmt.Sprintf("byte 0x%02X here is not UTF-8; %s", b, save)
		}
		i += n
	}
	return 0, ""
}

// latin1Letter reports whether b is an accented letter in Latin-1 (and
// Windows-1252): à, è, é, ì, ò, ù, ñ...
func latin1Letter(b byte) bool {
	return b >= 0xC0 && b < 0xFF && b != 0xD7 && b != 0xF7
}

// BytePos is the position of src[at] in the file path: its line, and its
// column in characters (a byte that is not UTF-8 counts as one).
func BytePos(path string, src []byte, at int) flows.Pos {
	line, start := 1, 0
	for i := 0; i < at; i++ {
		if src[i] == '\n' {
			line, start = line+1, i+1
		}
	}
	return flows.Pos{File: path, Line: line, Col: utf8.RuneCount(src[start:at]) + 1}
}
