package flows

import "maps"

// Clone returns a deep copy of s: nothing is shared with it. A nil s
// clones to nil.
func (s *Session) Clone() *Session {
	if s == nil {
		return nil
	}
	c := *s
	c.Contact = s.Contact.Clone()
	if s.Vars != nil {
		c.Vars = CloneVars(s.Vars)
	}
	if s.InitVars != nil {
		c.InitVars = CloneVars(s.InitVars)
	}
	if s.Transcript != nil {
		c.Transcript = cloneMessages(s.Transcript)
	}
	if s.Pending != nil {
		p := *s.Pending
		p.Used = append([]int(nil), p.Used...)
		p.Media = p.Media.Clone()
		p.Rejected = append([]int(nil), p.Rejected...)
		c.Pending = &p
	}
	if s.Handoff != nil {
		h := *s.Handoff
		c.Handoff = &h
	}
	c.Signals = s.Signals.Clone()
	return &c
}

// Clone returns a copy of c with its own Meta.
func (c Contact) Clone() Contact {
	if c.Meta != nil {
		c.Meta = maps.Clone(c.Meta)
	}
	return c
}

// Clone returns a deep copy of s (nil for nil).
func (s *Signals) Clone() *Signals {
	if s == nil {
		return nil
	}
	c := *s
	if s.Ranking != nil {
		c.Ranking = append([]IntentScore(nil), s.Ranking...)
	}
	if s.Entities != nil {
		c.Entities = make(map[string][]string, len(s.Entities))
		for k, v := range s.Entities {
			c.Entities[k] = append([]string(nil), v...)
		}
	}
	return &c
}

// Clone returns a deep copy of h (nil for nil).
func (h *Handoff) Clone() *Handoff {
	if h == nil {
		return nil
	}
	c := *h
	c.Contact = h.Contact.Clone()
	if h.Tags != nil {
		c.Tags = append([]string(nil), h.Tags...)
	}
	if h.Transcript != nil {
		c.Transcript = cloneMessages(h.Transcript)
	}
	if h.Vars != nil {
		c.Vars = CloneVars(h.Vars)
	}
	c.Signals = h.Signals.Clone()
	return &c
}

// Clone returns a deep copy of m (its Media is copied too).
func (m Message) Clone() Message {
	m.Media = m.Media.Clone()
	return m
}

// Clone returns a deep copy of m (nil for nil).
func (m *Media) Clone() *Media {
	if m == nil {
		return nil
	}
	c := *m
	if m.Contacts != nil {
		c.Contacts = make([]Contact, len(m.Contacts))
		for i, x := range m.Contacts {
			c.Contacts[i] = x.Clone()
		}
	}
	return &c
}

func cloneMessages(ms []Message) []Message {
	c := make([]Message, len(ms))
	for i, m := range ms {
		c[i] = m.Clone()
	}
	return c
}

// Clone returns a deep copy of it: its handoff, message and outbound.
func (it OutboxItem) Clone() OutboxItem {
	it.Handoff = it.Handoff.Clone()
	if it.Message != nil {
		m := it.Message.Clone()
		it.Message = &m
	}
	if it.Outbound != nil {
		o := *it.Outbound
		o.To = o.To.Clone()
		o.Reply = o.Reply.Clone()
		it.Outbound = &o
	}
	return it
}

// Clone returns a copy of r with its own options.
func (r Reply) Clone() Reply {
	if r.Options != nil {
		r.Options = append([]ReplyOption(nil), r.Options...)
	}
	return r
}

// Clone returns a deep copy of in (its contact and input media).
func (in Inbound) Clone() Inbound {
	in.Contact = in.Contact.Clone()
	in.Input.Media = in.Input.Media.Clone()
	if in.Input.HTTP != nil {
		h := *in.Input.HTTP
		h.Body = append([]byte(nil), h.Body...)
		in.Input.HTTP = &h
	}
	if in.Input.Ticket != nil {
		t := *in.Input.Ticket
		in.Input.Ticket = &t
	}
	return in
}

// CloneVars deep-copies a variables map (see CloneValue).
func CloneVars(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = CloneValue(v)
	}
	return c
}

// CloneValue deep-copies the JSON-like values variables hold (maps and
// slices); other values are immutable and shared.
func CloneValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return CloneVars(v)
	case []any:
		c := make([]any, len(v))
		for i, x := range v {
			c[i] = CloneValue(x)
		}
		return c
	case map[string]string:
		return maps.Clone(v)
	case []string:
		return append([]string(nil), v...)
	case []byte:
		return append([]byte(nil), v...)
	}
	return v
}
