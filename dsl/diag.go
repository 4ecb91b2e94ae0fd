package dsl

import (
	"fmt"
	"sort"

	"github.com/batonbot/baton/flows"
	"go.yaml.in/yaml/v3"
)

// errorf reports an error at node n of the file being converted.
func (l *loader) errorf(n *yaml.Node, format string, args ...any) {
	l.report(Error, l.pos(n), format, args...)
}

func (l *loader) errAt(p flows.Pos, format string, args ...any) {
	l.report(Error, p, format, args...)
}

func (l *loader) warnAt(p flows.Pos, format string, args ...any) {
	l.report(Warning, p, format, args...)
}

func (l *loader) report(sev Severity, p flows.Pos, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	l.diags = append(l.diags, &Diagnostic{Severity: sev, Summary: msg, Pos: l.clamp(p)})
}

// clamp keeps p inside its file: the parser places some nodes one line
// past the end (an empty document after ---).
func (l *loader) clamp(p flows.Pos) flows.Pos {
	f, ok := l.files[p.File]
	if !ok || p.Line == 0 {
		return p
	}
	if p.Line > len(f.lineStarts) {
		return f.posOf(len(f.src))
	}
	p.Col = max(1, min(p.Col, f.lineWidth(p.Line)+1))
	return p
}

// trimBreak drops the line break at the end of line.
func trimBreak(line []byte) []byte {
	for j := 0; j < len(line); j++ {
		if breakAt(line, j) > 0 {
			return line[:j]
		}
	}
	return line
}

// pos is where n starts in the file being converted.
func (l *loader) pos(n *yaml.Node) flows.Pos {
	p := flows.Pos{}
	if l.file != nil {
		p.File = l.file.path
	}
	if n != nil {
		p.Line, p.Col = n.Line, n.Column
	}
	return p
}

// sorted returns the diagnostics in file order: the main file first, then
// included files in the order they were included; within a file by line
// and column; diagnostics at the same place keep the order they were found.
func (l *loader) sorted() Diagnostics {
	rank := func(file string) int {
		if f, ok := l.files[file]; ok {
			return f.index
		}
		return -1
	}
	ds := l.diags
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Pos, ds[j].Pos
		if ra, rb := rank(a.File), rank(b.File); ra != rb {
			return ra < rb
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return ds
}

// define records that name is defined at key, in seen. When name was
// already defined it reports msg (a format taking the name and the other
// position) at both places, so either can be fixed, and returns false.
func (l *loader) define(seen map[string]flows.Pos, key *yaml.Node, msg, name string) bool {
	here := l.pos(key)
	if first, dup := seen[name]; dup {
		l.errAt(here, msg, name, first)
		l.errAt(first, msg, name, here)
		return false
	}
	seen[name] = here
	return true
}
