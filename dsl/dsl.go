package dsl

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"

	"github.com/batonbot/baton/flows"
	"go.yaml.in/yaml/v3"
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

// Files lists the files the diagnostics point into, each once, in order:
// for a flow that does not load, where its errors are (an included file
// too), which a watch must watch to see them fixed.
func (ds Diagnostics) Files() []string {
	var out []string
	for _, d := range ds {
		if f := d.Pos.File; f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
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

// WithReadFile sets how included files are read (default os.ReadFile,
// reading at most MaxFileSize+1 bytes).
func WithReadFile(f func(name string) ([]byte, error)) Option {
	return func(l *loader) { l.readFile = f }
}

// Limits that keep hostile input in bounded time and memory.
const (
	// MaxFileSize is the largest flow file accepted, in bytes.
	MaxFileSize = 1 << 20
	// MaxDepth is the deepest nesting of maps and lists accepted.
	MaxDepth = 64
	// MaxNodes bounds the YAML nodes of a file once aliases are expanded.
	MaxNodes = 1_000_000
	// MaxIncludes bounds the files one flow may include, directly or not.
	MaxIncludes = 100
)

func newLoader(opts []Option) *loader {
	l := &loader{readFile: ReadLimited}
	for _, o := range opts {
		o(l)
	}
	return l
}

// ReadLimited reads at most MaxFileSize+1 bytes of name: enough to tell the
// file is too large without reading all of it. Files that share the flow
// file's limit (convtest's test files) are read with it too.
func ReadLimited(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxFileSize+1))
}

// LoadFile reads and compiles the flow at path. The flow is nil when any
// diagnostic is an error; warnings come with a usable flow.
func LoadFile(path string, opts ...Option) (*flows.Flow, Diagnostics) {
	l := newLoader(opts)
	src, err := l.readFile(path)
	if err != nil {
		return nil, Diagnostics{{Severity: Error, Summary: readError(err), Pos: flows.Pos{File: path}}}
	}
	return l.load(path, src)
}

// LoadFragment checks, on its own, a file meant to be included by flows
// (it holds only vars, include, hours, nlu, triggers and states): its keys,
// values, expressions and its own includes. The states, variables, intents
// and calendars it uses from the flows that include it are taken on trust;
// validate those flows to check them.
func LoadFragment(path string, opts ...Option) Diagnostics {
	l := newLoader(opts)
	src, err := l.readFile(path)
	if err != nil {
		return Diagnostics{{Severity: Error, Summary: readError(err), Pos: flows.Pos{File: path}}}
	}
	return l.loadFragment(path, src)
}

// Load compiles the flow in src; path names it in diagnostics and anchors
// relative includes.
func Load(path string, src []byte, opts ...Option) (*flows.Flow, Diagnostics) {
	return newLoader(opts).load(path, src)
}

func readError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		if errors.Is(err, os.ErrNotExist) {
			return "cannot read the file: it does not exist"
		}
		return fmt.Sprintf("cannot read the file: %v", pe.Err)
	}
	return "cannot read the file: " + err.Error()
}

var (
	// testLine is a test file's conversations: key at the start of a line.
	testLine = regexp.MustCompile(`(?m)^conversations[ \t]*:`)
	// testFlowRef is a test file's flow: a path to a YAML file.
	testFlowRef = regexp.MustCompile(`(?i)\.ya?ml$`)
)

// Kind is what a YAML file is, judged by its top-level keys.
type Kind int

const (
	// KindFlow is a flow file (flow:, languages:, start:, states:...).
	KindFlow Kind = iota
	// KindFragment is a file meant to be included: only vars, include,
	// hours, nlu, triggers and states.
	KindFragment
	// KindTest is a conversation test file (conversations:).
	KindTest
	// KindOther is anything else, such as a deployment config.
	KindOther
)

// Sniff tells a flow from an included file, a conversation test or another
// YAML file by its top-level keys, so a directory of a project can be
// checked file by file. A file that cannot be read as YAML is a flow (its
// errors are then reported by loading it), unless a line of it starts with
// "conversations:": a test file with a syntax error. A file whose flow: is
// a path to a YAML file and that has no start: or languages: is a
// test file too, however mistyped its other keys.
func Sniff(src []byte) Kind {
	var root map[string]yaml.Node // the values are not decoded
	if len(src) > MaxFileSize || yaml.Unmarshal(src, &root) != nil || root == nil {
		if testLine.Match(src) {
			return KindTest
		}
		return KindFlow
	}
	has := func(k string) bool { _, ok := root[k]; return ok }
	switch {
	case has("conversations"):
		return KindTest
	case has("start") || has("languages"):
		return KindFlow
	case has("flow"):
		if f := root["flow"]; f.Kind == yaml.ScalarNode && testFlowRef.MatchString(f.Value) {
			return KindTest
		}
		return KindFlow
	}
	for k := range root {
		if !contains(includeKeys, k) {
			return KindOther
		}
	}
	return KindFragment
}
