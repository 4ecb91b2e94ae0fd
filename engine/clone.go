package engine

import (
	"strconv"

	"github.com/batonbot/baton/flows"
)

// cloneSession returns a deep copy of s: nothing is shared with it.
func cloneSession(s *flows.Session) *flows.Session {
	if s == nil {
		return nil
	}
	c := *s
	c.Contact = cloneContact(s.Contact)
	if s.Vars != nil {
		c.Vars = cloneMap(s.Vars)
	}
	if s.InitVars != nil {
		c.InitVars = cloneMap(s.InitVars)
	}
	if s.Transcript != nil {
		c.Transcript = append([]flows.Message(nil), s.Transcript...)
	}
	if s.Pending != nil {
		p := *s.Pending
		c.Pending = &p
	}
	if s.Handoff != nil {
		h := *s.Handoff
		c.Handoff = &h
	}
	c.Signals = cloneSignals(s.Signals)
	return &c
}

func cloneContact(c flows.Contact) flows.Contact {
	if c.Meta != nil {
		m := make(map[string]string, len(c.Meta))
		for k, v := range c.Meta {
			m[k] = v
		}
		c.Meta = m
	}
	return c
}

func cloneSignals(s *flows.Signals) *flows.Signals {
	if s == nil {
		return nil
	}
	c := *s
	if s.Ranking != nil {
		c.Ranking = append([]flows.IntentScore(nil), s.Ranking...)
	}
	if s.Entities != nil {
		c.Entities = make(map[string][]string, len(s.Entities))
		for k, v := range s.Entities {
			c.Entities[k] = append([]string(nil), v...)
		}
	}
	return &c
}

func cloneHandoff(h *flows.Handoff) *flows.Handoff {
	if h == nil {
		return nil
	}
	c := *h
	c.Contact = cloneContact(h.Contact)
	if h.Tags != nil {
		c.Tags = append([]string(nil), h.Tags...)
	}
	if h.Transcript != nil {
		c.Transcript = append([]flows.Message(nil), h.Transcript...)
	}
	if h.Vars != nil {
		c.Vars = cloneMap(h.Vars)
	}
	c.Signals = cloneSignals(h.Signals)
	return &c
}

func cloneItem(it flows.OutboxItem) flows.OutboxItem {
	it.Handoff = cloneHandoff(it.Handoff)
	if it.Message != nil {
		m := *it.Message
		it.Message = &m
	}
	return it
}

func cloneMap(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = cloneValue(v)
	}
	return c
}

// cloneValue deep-copies the JSON-like values variables hold (maps and
// slices); other values are immutable and shared.
func cloneValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return cloneMap(v)
	case []any:
		c := make([]any, len(v))
		for i, x := range v {
			c[i] = cloneValue(x)
		}
		return c
	case map[string]string:
		c := make(map[string]string, len(v))
		for k, x := range v {
			c[k] = x
		}
		return c
	case []string:
		return append([]string(nil), v...)
	case []byte:
		return append([]byte(nil), v...)
	}
	return v
}

func quote(s string) string { return strconv.Quote(s) }
