package dsl

import (
	"sort"

	"github.com/batonbot/baton/flows"
	"go.yaml.in/yaml/v3"
)

var (
	stepKeys    = append([]string{"goto"}, actionKeys...)
	timeoutKeys = append([]string{"after", "goto"}, actionKeys...)
)

// ladder converts a no-match ladder: a list of steps, each actions and an
// optional goto.
func (l *loader) ladder(n *yaml.Node) *flows.Ladder {
	items, ok := l.list(n, "a list of no-match steps")
	if !ok {
		return nil
	}
	lad := &flows.Ladder{Pos: l.pos(n)}
	for _, it := range items {
		var d flows.Do
		ps, _ := l.fields(it, "a no-match step", stepKeys)
		for _, p := range ps {
			l.doKey(resolve(p.key).Value, p, &d)
		}
		lad.Steps = append(lad.Steps, d)
	}
	if len(lad.Steps) == 0 {
		l.errorf(n, "no_match: is empty; give at least one step, e.g. - say: \"Sorry, I didn't get that.\"")
	}
	return lad
}

// timeouts converts the no-reply timeouts, kept in order of After.
func (l *loader) timeouts(n *yaml.Node) {
	items, _ := l.list(n, "a list of timeouts")
	for _, it := range items {
		t := &flows.Timeout{Pos: l.pos(it)}
		ps, ok := l.fields(it, "a timeout", timeoutKeys)
		if !ok {
			continue
		}
		if !hasKey(ps, "after") {
			l.errorf(it, "a timeout needs after: (a duration like 10m)")
		}
		for _, p := range ps {
			if k := resolve(p.key).Value; k == "after" {
				t.After, _ = l.duration(p.val, "after")
			} else {
				l.doKey(k, p, &t.Do)
			}
		}
		l.flow.Timeouts = append(l.flow.Timeouts, t)
	}
	sort.SliceStable(l.flow.Timeouts, func(i, j int) bool { return l.flow.Timeouts[i].After < l.flow.Timeouts[j].After })
}
