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
	src := f.src
	double := n.Style&yaml.DoubleQuotedStyle != 0
	// The loader asks for the positions of one value in increasing order
	// (each hole of a template, each error): resume from the last answer
	// instead of walking the value again, so a value with many holes costs
	// linear time, not quadratic.
	k, vb, i := 0, 0, 0
	if c := &f.cursor; c.node == n && len(c.value) == len(value) && c.k <= off {
		k, vb, i = c.k, c.vb, c.i
	} else {
		i = f.byteAt(n.Line, n.Column)
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
	}
	for vb < len(value) {
		r, rw := utf8.DecodeRuneInString(value[vb:])
		j, w, ok := find(src, i, r, double)
		if !ok {
			f.cursor = posCursor{}
			return start
		}
		if k == off {
			f.cursor = posCursor{node: n, value: value, k: k, vb: vb, i: j}
			return f.posOf(j)
		}
		i = j + w
		vb += rw
		k++
	}
	f.cursor = posCursor{}
	// Past the end of the value: just after its last rune.
	return f.posOf(min(i, len(src)))
}

// posCursor remembers where posIn last stopped inside a value: rune k of
// the value starts at byte vb of the value and byte i of the file.
type posCursor struct {
	node  *yaml.Node
	value string
	k, vb int
	i     int
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

// posOf is the line:col of byte offset i. Like posIn it resumes from its
// previous answer when asked for a later offset on the same line.
func (f *srcFile) posOf(i int) flows.Pos {
	end := min(i, len(f.src))
	if c := &f.colCursor; c.line > 0 && c.at <= end && end <= c.end {
		c.col += utf8.RuneCount(f.src[c.at:end])
		c.at = end
		return flows.Pos{File: f.path, Line: c.line, Col: c.col}
	}
	lo, hi := 0, len(f.lineStarts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if f.lineStarts[mid] <= i {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	line := f.src[f.lineStarts[lo]:end]
	// Never point into a line break: stop at the end of the line.
	for j := 0; j < len(line); j++ {
		if breakAt(line, j) > 0 {
			line = line[:j]
			break
		}
	}
	col := utf8.RuneCount(line) + 1
	if f.lineStarts[lo]+len(line) == end { // end lies inside the line: remember it
		f.colCursor = colCursor{line: lo + 1, at: end, col: col, end: f.lineEnd(end)}
	}
	return flows.Pos{File: f.path, Line: lo + 1, Col: col}
}

// colCursor is posOf's last answer: byte at is column col of line, whose
// text ends at byte end.
type colCursor struct {
	line, at, col, end int
}

// lineEnd is the byte offset where the line holding byte i ends (its
// break, or the end of the file).
func (f *srcFile) lineEnd(i int) int {
	for i < len(f.src) && breakAt(f.src, i) == 0 {
		i++
	}
	return i
}

// lineWidth is the number of runes on line (without its break), measured
// once per line: every diagnostic is clamped to its line.
func (f *srcFile) lineWidth(line int) int {
	if f.widths == nil {
		f.widths = make(map[int]int)
	}
	if w, ok := f.widths[line]; ok {
		return w
	}
	end := len(f.src)
	if line < len(f.lineStarts) {
		end = f.lineStarts[line]
	}
	w := utf8.RuneCount(trimBreak(f.src[f.lineStarts[line-1]:end]))
	f.widths[line] = w
	return w
}
