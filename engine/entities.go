package engine

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/batonbot/baton/flows"
)

// WithEntities sets the system entity extractor (package entity), called at
// most once per customer message and only when the flow reads entities:
// an ask or collect with entity:, or the entities builtin.
func WithEntities(x flows.EntityExtractor) Option { return func(e *Engine) { e.entities = x } }

// sysEntities are the system entities of this turn's customer message,
// extracted once. A direct menu choice ("2", a button) has none: it is a
// choice, not a number. The actions after an HTTP call see the entities
// of the message that led to it, read at the time it came in.
func (t *turn) sysEntities() []flows.Entity {
	if t.entDone {
		return t.ents
	}
	t.entDone = true
	resumed := !t.resumedAt.IsZero()
	if !t.userMsg && !resumed || t.direct || t.e.entities == nil || !t.f.NeedsEntities || strings.TrimSpace(t.text) == "" {
		return nil
	}
	now := t.now
	if resumed {
		now = t.resumedAt
	}
	if loc := t.f.Location; loc != nil {
		now = now.In(loc)
	} else {
		now = now.UTC()
	}
	t.ents = t.e.entities.Extract(flows.EntityInput{Text: t.text, Lang: t.s.Lang, Now: now})
	t.entUsed = make([]bool, len(t.ents))
	for _, i := range t.usedBefore {
		if i >= 0 && i < len(t.entUsed) {
			t.entUsed[i] = true
		}
	}
	return t.ents
}

// rejectedSlots are the indexes of st's collect slots whose value this
// turn was refused, for Pending.Rejected.
func (t *turn) rejectedSlots(st *flows.State) []int {
	if st == nil || st.Collect == nil || len(t.rejected) == 0 {
		return nil
	}
	var out []int
	for i, s := range st.Collect.Slots {
		if t.rejected[s] {
			out = append(out, i)
		}
	}
	return out
}

// usedEntities are the indexes of the message's entities a question took
// this turn (or before the HTTP call it resumes after), for Pending.Used.
func (t *turn) usedEntities() []int {
	if !t.entDone {
		return t.usedBefore
	}
	var used []int
	for i, u := range t.entUsed {
		if u {
			used = append(used, i)
		}
	}
	return used
}

// entityValue is what a variable filled by e holds: a number for numbers,
// else the normalised text.
func entityValue(e flows.Entity) any {
	if e.Kind == flows.EntityNumber {
		if v, err := strconv.ParseFloat(e.Value, 64); err == nil {
			return v
		}
	}
	return e.Value
}

// takeEntity fills a variable from the first entity of kind not yet used
// this turn that passes validate (evaluated with `answer` set to the value),
// and marks it used, so one "4" fills one slot. A date is taken from a
// range's first day when the message holds no date of its own ("from
// tomorrow to Friday").
func (t *turn) takeEntity(kind string, validate *flows.Expr) (any, bool) {
	if v, ok := t.takeEntityOf(kind, kind, validate); ok || kind != flows.EntityDate {
		return v, ok
	}
	return t.takeEntityOf(flows.EntityDateRange, kind, validate)
}

// takeAnswer is takeEntity for an answer to the question for kind. A
// number asked for may also be a time read from a cue and a dotted
// number ("the price at 3.14", "alle 12.30"), when the message holds no
// number of its own and asksTime is false (nothing else asked for wants
// a time): the question decides what the words mean. The message that
// leads to a question does not answer it so (prefill uses takeEntity).
func (t *turn) takeAnswer(kind string, validate *flows.Expr, asksTime bool) (any, bool) {
	v, ok := t.takeEntity(kind, validate)
	if ok || kind != flows.EntityNumber || asksTime {
		return v, ok
	}
	for i, e := range t.sysEntities() {
		if t.entUsed[i] || e.Kind != flows.EntityTime {
			continue
		}
		f := strings.Fields(e.Text)
		w := f[len(f)-1]
		if !dottedNumber(w) {
			continue // 8:30, 8.30pm, "at 8.30 in the evening", "at 8"
		}
		n, err := strconv.ParseFloat(w, 64)
		if err != nil {
			continue
		}
		if validate != nil {
			t.answer = formatValue(n)
			if !t.evalBool(validate) {
				continue
			}
		}
		t.entUsed[i] = true
		return n, true
	}
	return nil, false
}

// dottedNumber reports whether w is digits, a dot and digits.
func dottedNumber(w string) bool {
	a, b, ok := strings.Cut(w, ".")
	return ok && a != "" && b != "" && strings.Trim(a, "0123456789") == "" && strings.Trim(b, "0123456789") == ""
}

// takeEntityOf is takeEntity over the entities of kind, read as want.
func (t *turn) takeEntityOf(kind, want string, validate *flows.Expr) (any, bool) {
	if t.entAllUsed {
		return nil, false
	}
	for i, e := range t.sysEntities() {
		if t.entUsed[i] || e.Kind != kind {
			continue
		}
		if want == flows.EntityDate && kind == flows.EntityDateRange {
			first, _, _ := strings.Cut(e.Value, "/")
			e.Kind, e.Value = want, first
		}
		v := entityValue(e)
		if validate != nil {
			t.answer = formatValue(v)
			if !t.evalBool(validate) {
				continue
			}
		}
		t.entUsed[i] = true
		return v, true
	}
	return nil, false
}

// filled reports whether variable name holds a value other than its
// initial one (nil, "" or the flow's vars: value).
func (t *turn) filled(name string) bool {
	v, ok := t.s.Vars[name]
	if !ok || v == nil {
		return false
	}
	if s, ok := v.(string); ok && s == "" {
		return false
	}
	if d, ok := t.f.Vars[name]; ok && d != nil && reflect.DeepEqual(d, v) {
		return false
	}
	return true
}

// prefill fills a waiting state from what the customer already said: an
// ask with an entity whose variable is filled is skipped (or filled from
// this turn's message), and a collect's missing slots are filled from it.
// It reports whether nothing is left to ask, so the state's next runs.
func (t *turn) prefill(st *flows.State) bool {
	switch {
	case st.Ask != nil && st.Ask.Entity != "" && st.Ask.SaveAs != "":
		if t.filled(st.Ask.SaveAs) {
			return true
		}
		if v, ok := t.takeEntity(st.Ask.Entity, st.Ask.Validate); ok {
			t.setVar(st.Ask.SaveAs, v)
			return true
		}
	case st.Collect != nil:
		t.fillSlots(st.Collect, false)
		return t.missingSlot(st.Collect) == nil
	}
	return false
}

// fillSlots fills the missing slots from this turn's message, in order,
// and returns how many it filled. Every slot takes an entity of its own
// kind first; only then does a date slot take a range's first day, so a
// range goes to the form's date_range slot whatever the slots' order, and
// a number slot a time's number (takeAnswer: when the message answers
// the collect's prompt, and no slot wants a time).
func (t *turn) fillSlots(c *flows.Collect, answer bool) int {
	asksTime := !answer
	for _, s := range c.Slots {
		if s != nil && s.Entity == flows.EntityTime {
			asksTime = true
		}
	}
	n := 0
	for _, s := range c.Slots {
		if s == nil || s.SaveAs == "" || t.filled(s.SaveAs) {
			continue
		}
		if v, ok := t.takeEntityOf(s.Entity, s.Entity, s.Validate); ok {
			t.setVar(s.SaveAs, v)
			n++
		}
	}
	for _, s := range c.Slots {
		if s == nil || s.SaveAs == "" || t.filled(s.SaveAs) {
			continue
		}
		if v, ok := t.takeAnswer(s.Entity, s.Validate, asksTime); ok {
			t.setVar(s.SaveAs, v)
			n++
		} else if s.Validate != nil && t.refused(s.Entity) {
			if t.rejected == nil {
				t.rejected = map[*flows.Slot]bool{}
			}
			t.rejected[s] = true
		}
	}
	return n
}

// refused reports whether the message holds an entity of kind that no
// slot took: one a validate: refused.
func (t *turn) refused(kind string) bool {
	for i, e := range t.sysEntities() {
		if (e.Kind == kind || kind == flows.EntityDate && e.Kind == flows.EntityDateRange) && !t.entUsed[i] {
			return true
		}
	}
	return false
}

// missingSlot is the slot to ask for: the first still to fill whose value
// in this message was refused, else the first still to fill; nil when
// none is.
func (t *turn) missingSlot(c *flows.Collect) *flows.Slot {
	var first *flows.Slot
	for _, s := range c.Slots {
		if s != nil && s.SaveAs != "" && !t.filled(s.SaveAs) {
			if t.rejected[s] {
				return s
			}
			if first == nil {
				first = s
			}
		}
	}
	return first
}

// promptSlot asks for the missing slot; false when none is missing. A
// slot whose value in this message was refused gets its invalid text
// (or the entity's hint) instead of its prompt.
func (t *turn) promptSlot(c *flows.Collect) bool {
	s := t.missingSlot(c)
	if s == nil {
		return false
	}
	switch {
	case t.rejected[s] && s.Invalid != nil:
		t.reply(t.renderText(s.Invalid))
	case s.Prompt != nil:
		t.reply(t.renderText(s.Prompt))
	}
	return true
}

// collectAnswer handles a message in a collect state: it fills what it
// can; a message that fills nothing is a no-match (with the missing
// slot's hint); then the next missing slot is asked for, or the state
// moves on.
func (t *turn) collectAnswer(st *flows.State) {
	if t.fillSlots(st.Collect, true) == 0 {
		t.noMatch(st, true)
		return
	}
	t.matched()
	if t.promptSlot(st.Collect) {
		return
	}
	t.goTo(t.next(st))
}

// invalidText is what replaces a ladder step's say when an answer is
// rejected: the ask's invalid:, or the missing slot's.
func (t *turn) invalidText(st *flows.State) *flows.Text {
	switch {
	case st == nil:
	case st.Ask != nil:
		return st.Ask.Invalid
	case st.Collect != nil:
		if s := t.missingSlot(st.Collect); s != nil {
			return s.Invalid
		}
	}
	return nil
}

// mergeEntities adds the system entities of the message to the
// analyser's, by kind, without repeats.
func (t *turn) mergeEntities(ent map[string][]string) map[string][]string {
	sys := t.sysEntities()
	if len(sys) == 0 {
		return ent
	}
	out := make(map[string][]string, len(ent)+len(sys))
	for k, v := range ent {
		out[k] = append([]string(nil), v...)
	}
	for _, e := range sys {
		dup := false
		for _, v := range out[e.Kind] {
			dup = dup || v == e.Value
		}
		if !dup {
			out[e.Kind] = append(out[e.Kind], e.Value)
		}
	}
	return out
}
