package engine

import (
	"strconv"

	"github.com/batonbot/baton/flows"
)

func cloneMap(m map[string]any) map[string]any { return flows.CloneVars(m) }

func cloneValue(v any) any { return flows.CloneValue(v) }

func quote(s string) string { return strconv.Quote(s) }
