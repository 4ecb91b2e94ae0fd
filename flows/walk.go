package flows

// Actions calls fn for every action list of the flow: each state's
// actions, menu options, routes, next rules and no-match ladder, then the
// global triggers, the flow's no-match ladder and the timeouts.
func (f *Flow) Actions(fn func(state string, actions []Action)) {
	do := func(state string, d Do) { fn(state, d.Actions) }
	ladder := func(state string, l *Ladder) {
		if l != nil {
			for _, d := range l.Steps {
				do(state, d)
			}
		}
	}
	rules := func(state string, rs []*Rule) {
		for _, r := range rs {
			if r != nil {
				do(state, r.Do)
			}
		}
	}
	for _, name := range f.Order {
		st := f.States[name]
		if st == nil {
			continue
		}
		fn(name, st.Actions)
		if st.Menu != nil {
			for _, o := range st.Menu.Options {
				if o != nil {
					do(name, o.Do)
				}
			}
		}
		rules(name, st.Routes)
		rules(name, st.Next)
		ladder(name, st.NoMatch)
	}
	rules("", f.Triggers)
	ladder("", f.NoMatch)
	for _, t := range f.Timeouts {
		if t != nil {
			do("", t.Do)
		}
	}
}
