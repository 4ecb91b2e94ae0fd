package dsl

import (
	"errors"
	"os"

	"github.com/batonbot/baton/flows"
)

// Severity of a diagnostic.
type Severity int

const (
	Error Severity = iota
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Diagnostic is one problem found in a flow file.
type Diagnostic struct {
	Severity Severity
	// Summary is the one-line message, e.g. `unknown key "sya"; did you mean "say"?`.
	Summary string
	// Detail optionally explains how to fix it.
	Detail string
	// Pos is where the problem starts; End where it ends (zero if unknown).
	Pos flows.Pos
	End flows.Pos
}

// String formats d as "path:line:col: error: summary".
func (d *Diagnostic) String() string {
	return d.Pos.String() + ": " + d.Severity.String() + ": " + d.Summary
}

// Diagnostics is every problem found, in file order.
type Diagnostics []*Diagnostic

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Err returns the errors as one error, or nil when there are none.
func (ds Diagnostics) Err() error {
	var errs []error
	for _, d := range ds {
		if d.Severity == Error {
			errs = append(errs, errors.New(d.String()))
		}
	}
	return errors.Join(errs...)
}

// Option configures loading.
type Option func(*loader)

type loader struct {
	readFile func(string) ([]byte, error)
}

// WithReadFile sets how included files are read (default os.ReadFile).
func WithReadFile(f func(name string) ([]byte, error)) Option {
	return func(l *loader) { l.readFile = f }
}

// LoadFile reads and compiles the flow at path. The flow is nil when any
// diagnostic is an error; warnings come with a usable flow.
func LoadFile(path string, opts ...Option) (*flows.Flow, Diagnostics) {
	l := &loader{readFile: os.ReadFile}
	for _, o := range opts {
		o(l)
	}
	src, err := l.readFile(path)
	if err != nil {
		return nil, Diagnostics{{Severity: Error, Summary: err.Error(), Pos: flows.Pos{File: path}}}
	}
	return Load(path, src, opts...)
}

// Load compiles the flow in src; path names it in diagnostics and anchors
// relative includes.
func Load(path string, src []byte, opts ...Option) (*flows.Flow, Diagnostics) {
	return nil, Diagnostics{{Severity: Error, Summary: "dsl: not implemented yet", Pos: flows.Pos{File: path}}}
}
