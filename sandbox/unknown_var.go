package sandbox

import (
	"errors"
	"fmt"
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
