package flows

import "strconv"

// Pos is a position in a flow source file. Line and Col count from 1; a zero
// Pos means "unknown".
type Pos struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
}

// String formats p as file:line:col, the form editors jump to.
func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return p.File + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col)
}

// IsZero reports whether p is unknown.
func (p Pos) IsZero() bool { return p.Line == 0 }
