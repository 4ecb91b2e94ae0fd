package dsl

import (
	"unicode/utf8"

	"github.com/batonbot/baton/flows"
	"go.yaml.in/yaml/v3"
)

// posIn maps a rune offset inside the value of scalar n back to its
// line:col in the file. YAML unescapes, folds and strips indentation, so
// the value is matched back against the raw text: each value rune is looked
// up, in order, from where the previous one was found (escape sequences of
// double-quoted scalars count as one rune). The result always lies inside
// the file; when the text cannot be followed it is the scalar's start.
func (f *srcFile) posIn(n *yaml.Node, value string, off int) flows.Pos {
	start := flows.Pos{File: f.path, Line: n.Line, Col: n.Column}
	if n.Line < 1 || n.Line > len(f.lineStarts) {
		return start
	}
	i := f.byteAt(n.Line, n.Column)
	src := f.src
	switch n.Style & (yaml.DoubleQuotedStyle | yaml.SingleQuotedStyle | yaml.LiteralStyle | yaml.FoldedStyle) {
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		if i < len(src) {
			i++
		}
	case yaml.LiteralStyle, yaml.FoldedStyle:
		for i < len(src) && breakAt(src, i) == 0 {
			i++
		}
	}
	double := n.Style&yaml.DoubleQuotedStyle != 0
	k := 0
	for _, r := range value {
		j, w, ok := find(src, i, r, double)
		if !ok {
			return start
		}
		if k == off {
			return f.posOf(j)
		}
		i = j + w
		k++
	}
	// Past the end of the value: just after its last rune.
	return f.posOf(min(i, len(src)))
}

// find looks for rune r in src from i, skipping what YAML drops (indent,
// line breaks, quotes); it returns where r starts and its width in src.
func find(src []byte, i int, r rune, double bool) (int, int, bool) {
	for i < len(src) {
		if double && src[i] == '\\' {
			w := escapeLen(src[i:])
			if w == 0 { // an escaped line break stands for nothing
				i += 2
				continue
			}
			return i, w, true
		}
		c, w := utf8.DecodeRune(src[i:])
		if c == r || (r == ' ' && c == '\n') || (r == '\n' && c == ' ') {
			return i, w, true
		}
		i += w
	}
	return 0, 0, false
}

// escapeLen is the length of the escape sequence at the start of s, 0 for
// an escaped line break.
func escapeLen(s []byte) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '\n', '\r':
		return 0
	case 'x':
		return min(4, len(s))
	case 'u':
		return min(6, len(s))
	case 'U':
		return min(10, len(s))
	}
	return 2
}

// byteAt is the byte offset of line:col (col counted in runes).
func (f *srcFile) byteAt(line, col int) int {
	i := f.lineStarts[line-1]
	for c := 1; c < col && i < len(f.src) && breakAt(f.src, i) == 0; c++ {
		_, w := utf8.DecodeRune(f.src[i:])
		i += w
	}
	return i
}

// posOf is the line:col of byte offset i.
func (f *srcFile) posOf(i int) flows.Pos {
	lo, hi := 0, len(f.lineStarts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if f.lineStarts[mid] <= i {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	end := min(i, len(f.src))
	line := f.src[f.lineStarts[lo]:end]
	// Never point into a line break: stop at the end of the line.
	for j := 0; j < len(line); j++ {
		if breakAt(line, j) > 0 {
			line = line[:j]
			break
		}
	}
	col := utf8.RuneCount(line) + 1
	return flows.Pos{File: f.path, Line: lo + 1, Col: col}
}
