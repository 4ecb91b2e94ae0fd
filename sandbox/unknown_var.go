package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/batonbot/baton/flows"
)

// UnknownVarError says that the flow declares no variable name (a --var
// of the sandbox, a vars: of a conversation test), with the closest name
// it does declare and the list of them.
func UnknownVarError(f *flows.Flow, name string) error {
	names := make([]string, 0, len(f.Vars))
	for n := range f.Vars {
		names = append(names, n)
	}
	slices.Sort(names)
	msg := fmt.Sprintf("unknown variable %q", name)
	if s := flows.Suggest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	if len(names) == 0 {
		return errors.New(msg + " (the flow declares no variables)")
	}
	return fmt.Errorf("%s (the flow's variables: %s)", msg, strings.Join(names, ", "))
}

// VarTypeError says that v, given for the flow's variable name (a --var,
// a test's vars:), is not of the type the flow declares it with, so the
// flow's expressions would fail on it at run time; nil when it is (or
// when either is null, which fits any).
func VarTypeError(f *flows.Flow, name string, v any) error {
	decl := f.Vars[name]
	want, got := kindOf(decl), kindOf(v)
	if want == "" || got == "" || want == got {
		return nil
	}
	src, err := json.Marshal(decl)
	if err != nil {
		src = []byte(fmt.Sprint(decl))
	}
	return fmt.Errorf("%q is declared as %s (%s), not %s", name, want, src, got)
}

// kindOf names the type of a variable's value as a flow's author sees it
// (as baton validate does); "" for null.
func kindOf(v any) string {
	if v == nil {
		return ""
	}
	switch reflect.TypeOf(v).Kind() {
	case reflect.String:
		return "a text"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Map:
		return "a map"
	case reflect.Slice, reflect.Array:
		return "a list"
	}
	return ""
}
