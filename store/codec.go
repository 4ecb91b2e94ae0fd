package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/batonbot/baton/flows"
)

// Session encodings. The first byte says which: a JSON object (what
// Baton wrote before the codec, and what `--json` shows) starts with '{';
// the binary codec's versions with their own byte.
const (
	// CodecV1 is the binary session codec (see wire.go): varints, length-
	// prefixed strings, fields by number, zero fields left out.
	CodecV1 byte = 0xB1
)

// EncodeSession appends the binary encoding of s to dst and returns it.
// Times keep their instant (not their location: they decode as UTC);
// variables keep their Go types (see codec_value.go).
func EncodeSession(dst []byte, s *flows.Session) []byte {
	e := enc{b: append(dst, CodecV1)}
	e.session(s)
	e.finish()
	return e.b
}

// EncodeForSave is EncodeSession for a store's Save: in the same walk it
// refuses what CheckSession refuses (a variable nested deeper than
// DecodeSession loads back), with the same error, and then returns dst
// as it was given. id names the session in the error (a store may encode
// a copy of it without its id).
func EncodeForSave(dst []byte, id string, s *flows.Session) ([]byte, error) {
	e := enc{b: append(dst, CodecV1), bounded: true}
	e.session(s)
	if d := e.deep; d != nil {
		return dst, d.vars.tooDeep(id, d.key)
	}
	e.finish()
	return e.b, nil
}

// DecodeSession decodes a session encoded by EncodeSession or as JSON.
func DecodeSession(b []byte) (*flows.Session, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty", errCorrupt)
	}
	switch c := b[0]; {
	case c == CodecV1:
		s := new(flows.Session)
		d := newDec(b[1:])
		d.session(s)
		if d.err != nil {
			return nil, d.err
		}
		return s, nil
	case c == '{' || c == ' ' || c == '\n' || c == '\t' || c == '\r':
		s := new(flows.Session)
		if err := json.Unmarshal(b, s); err != nil {
			return nil, fmt.Errorf("store: decoding a JSON session: %w", err)
		}
		return s, nil
	case c > CodecV1 && c <= 0xBF:
		return nil, fmt.Errorf("store: session encoding version %d is newer than this Baton's (%d): upgrade Baton to read it", c-0xB0, CodecV1-0xB0)
	default:
		return nil, fmt.Errorf("%w: unknown leading byte %#x", errCorrupt, c)
	}
}

// EncodeMessage appends the binary encoding of one transcript message to
// dst, for stores that keep the transcript apart from the session (the
// Valkey store's list).
func EncodeMessage(dst []byte, m *flows.Message) []byte {
	e := enc{b: append(dst, CodecV1)}
	e.message(1, m)
	e.finish()
	return e.b
}

// DecodeMessage decodes into m a message EncodeMessage wrote.
func DecodeMessage(b []byte, m *flows.Message) error {
	if len(b) == 0 || b[0] != CodecV1 {
		return fmt.Errorf("%w: not an encoded message", errCorrupt)
	}
	d := newDec(b[1:])
	for d.more() {
		f, wt := d.key()
		if f == 1 {
			d.message(m)
		} else {
			d.skip(wt)
		}
	}
	return d.err
}

func (e *enc) session(s *flows.Session) {
	e.str(1, s.ID)
	e.str(2, s.Flow)
	e.contact(3, &s.Contact)
	e.str(4, s.Channel)
	e.str(5, s.State)
	if s.Vars != nil {
		e.in = varsOf{where: inVars}
		e.vars(6, s.Vars)
	}
	if s.InitVars != nil {
		e.in = varsOf{where: inInitVars}
		e.vars(7, s.InitVars)
	}
	e.str(8, s.Lang)
	e.int(9, int64(s.NoMatch))
	e.str(10, string(s.Lifecycle))
	for i := range s.Transcript {
		e.message(11, &s.Transcript[i])
	}
	if p := s.Pending; p != nil {
		e.msg(12, func() {
			e.str(1, p.ID)
			e.str(2, p.State)
			e.int(3, int64(p.Step))
			e.str(4, p.Path)
			e.time(5, p.At)
			e.str(6, p.Trigger)
			e.int(7, int64(p.Timeout))
			e.str(8, p.Text)
			e.bool(9, p.Direct)
			e.bool(10, p.User)
			e.bool(11, p.Analysed)
			e.int(12, int64(p.NoMatch))
			for _, i := range p.Used {
				e.key(13, wireVarint)
				e.b = binary.AppendUvarint(e.b, uint64(i))
			}
			e.bool(14, p.Whole)
			e.str(15, p.Answer)
			if p.Media != nil {
				e.media(16, p.Media)
			}
			for _, i := range p.Rejected {
				e.key(17, wireVarint)
				e.b = binary.AppendUvarint(e.b, uint64(i))
			}
			e.bool(18, p.NoSignals)
			e.time(19, p.MessageAt)
		})
	}
	if h := s.Handoff; h != nil {
		e.msg(13, func() {
			e.str(1, h.ID)
			if h.Ticket != (flows.TicketRef{}) {
				e.msg(2, func() {
					e.str(1, h.Ticket.Connector)
					e.str(2, h.Ticket.ID)
					e.str(3, h.Ticket.URL)
				})
			}
			e.str(3, h.Return)
			e.str(4, h.Assignee)
			e.str(5, h.Team)
			e.str(6, string(h.Priority))
			e.time(7, h.At)
			e.time(8, h.FirstResponseDue)
			e.time(9, h.ResolutionDue)
			e.str(10, h.Reason)
		})
	}
	if g := s.Signals; g != nil {
		e.signals(14, g)
	}
	e.int(15, int64(s.Turns))
	e.time(16, s.CreatedAt)
	e.time(17, s.UpdatedAt)
	e.int(18, s.Rev)
	e.time(19, s.LastUserAt)
	e.str(20, s.TimerKey)
	e.int(21, int64(s.TimerIndex))
	e.str(22, s.Outcome)
	e.bool(23, s.SurveyComment)
	for i := range s.Stack {
		fr := &s.Stack[i]
		e.msg(24, func() {
			e.str(1, fr.Flow)
			e.str(2, fr.State)
			if fr.Vars != nil {
				e.in = varsOf{where: inFrame, frame: fr.Flow}
				e.vars(3, fr.Vars)
			}
		})
	}
	e.str(25, s.FlowDigest)
}

func (d *dec) session(s *flows.Session) {
	messages := d.count(11)
	for d.more() {
		f, wt := d.key()
		switch f {
		case 1:
			s.ID = d.str()
		case 2:
			s.Flow = d.str()
		case 3:
			d.contact(&s.Contact)
		case 4:
			s.Channel = d.str()
		case 5:
			s.State = d.str()
		case 6:
			s.Vars = d.vars()
		case 7:
			s.InitVars = d.vars()
		case 8:
			s.Lang = d.str()
		case 9:
			s.NoMatch = d.int()
		case 10:
			s.Lifecycle = flows.Lifecycle(d.str())
		case 11:
			if s.Transcript == nil {
				s.Transcript = make([]flows.Message, 0, messages)
			}
			s.Transcript = append(s.Transcript, flows.Message{})
			d.message(&s.Transcript[len(s.Transcript)-1])
		case 12:
			p := new(flows.Pending)
			d.sub(func(d *dec) {
				for d.more() {
					f, wt := d.key()
					switch f {
					case 1:
						p.ID = d.str()
					case 2:
						p.State = d.str()
					case 3:
						p.Step = d.int()
					case 4:
						p.Path = d.str()
					case 5:
						p.At = d.time()
					case 6:
						p.Trigger = d.str()
					case 7:
						p.Timeout = d.int()
					case 8:
						p.Text = d.str()
					case 9:
						p.Direct = d.uvarint() != 0
					case 10:
						p.User = d.uvarint() != 0
					case 11:
						p.Analysed = d.uvarint() != 0
					case 12:
						p.NoMatch = d.int()
					case 13:
						p.Used = append(p.Used, int(d.uvarint()))
					case 14:
						p.Whole = d.uvarint() != 0
					case 15:
						p.Answer = d.str()
					case 16:
						p.Media = d.media()
					case 17:
						p.Rejected = append(p.Rejected, int(d.uvarint()))
					case 18:
						p.NoSignals = d.uvarint() != 0
					case 19:
						p.MessageAt = d.time()
					default:
						d.skip(wt)
					}
				}
			})
			s.Pending = p
		case 13:
			h := new(flows.HandoffRef)
			d.sub(func(d *dec) {
				for d.more() {
					f, wt := d.key()
					switch f {
					case 1:
						h.ID = d.str()
					case 2:
						d.ticket(&h.Ticket)
					case 3:
						h.Return = d.str()
					case 4:
						h.Assignee = d.str()
					case 5:
						h.Team = d.str()
					case 6:
						h.Priority = flows.Priority(d.str())
					case 7:
						h.At = d.time()
					case 8:
						h.FirstResponseDue = d.time()
					case 9:
						h.ResolutionDue = d.time()
					case 10:
						h.Reason = d.str()
					default:
						d.skip(wt)
					}
				}
			})
			s.Handoff = h
		case 14:
			s.Signals = d.signals()
		case 15:
			s.Turns = d.int()
		case 16:
			s.CreatedAt = d.time()
		case 17:
			s.UpdatedAt = d.time()
		case 18:
			s.Rev = d.varint()
		case 19:
			s.LastUserAt = d.time()
		case 20:
			s.TimerKey = d.str()
		case 21:
			s.TimerIndex = d.int()
		case 22:
			s.Outcome = d.str()
		case 23:
			s.SurveyComment = d.uvarint() != 0
		case 24:
			var fr flows.Frame
			d.sub(func(d *dec) {
				for d.more() {
					f, wt := d.key()
					switch f {
					case 1:
						fr.Flow = d.str()
					case 2:
						fr.State = d.str()
					case 3:
						fr.Vars = d.vars()
					default:
						d.skip(wt)
					}
				}
			})
			s.Stack = append(s.Stack, fr)
		case 25:
			s.FlowDigest = d.str()
		default:
			d.skip(wt)
		}
	}
}

func (e *enc) contact(f int, c *flows.Contact) {
	if c.ID == "" && c.Name == "" && c.Phone == "" && c.Email == "" && c.Meta == nil {
		return
	}
	e.msg(f, func() { e.contactFields(c) })
}

func (d *dec) contact(c *flows.Contact) {
	s := d.open()
	defer d.close(&s)
	{
		d := &s
		for d.more() {
			f, wt := d.key()
			switch f {
			case 1:
				c.ID = d.str()
			case 2:
				c.Name = d.str()
			case 3:
				c.Phone = d.str()
			case 4:
				c.Email = d.str()
			case 5:
				c.Meta = d.strMap()
			default:
				d.skip(wt)
			}
		}
	}
}

func (e *enc) message(f int, m *flows.Message) {
	e.msg(f, func() {
		e.time(1, m.At)
		e.str(2, string(m.From))
		e.str(3, m.Text)
		e.str(4, m.Choice)
		e.str(5, m.Agent)
		for _, o := range m.Options {
			e.str(7, o)
		}
		if md := m.Media; md != nil {
			e.media(6, md)
		}
	})
}

func (e *enc) media(f int, md *flows.Media) {
	e.msg(f, func() {
		e.str(1, md.Kind)
		e.str(2, md.ID)
		e.str(3, md.MIME)
		e.str(4, md.Caption)
		e.str(5, md.Filename)
		e.float(6, md.Latitude)
		e.float(7, md.Longitude)
		e.str(8, md.Name)
		e.str(9, md.Address)
		for i := range md.Contacts {
			e.msg(10, func() { e.contactFields(&md.Contacts[i]) })
		}
	})
}

// contactFields writes c's fields into the current message.
func (e *enc) contactFields(c *flows.Contact) {
	e.str(1, c.ID)
	e.str(2, c.Name)
	e.str(3, c.Phone)
	e.str(4, c.Email)
	if c.Meta != nil {
		e.strMap(5, c.Meta)
	}
}

func (d *dec) message(m *flows.Message) {
	s := d.open()
	defer d.close(&s)
	{
		d := &s
		for d.more() {
			f, wt := d.key()
			switch f {
			case 1:
				m.At = d.time()
			case 2:
				m.From = flows.Role(d.str())
			case 3:
				m.Text = d.str()
			case 4:
				m.Choice = d.str()
			case 5:
				m.Agent = d.str()
			case 6:
				m.Media = d.media()
			case 7:
				m.Options = append(m.Options, d.str())
			default:
				d.skip(wt)
			}
		}
	}
}

func (d *dec) media() *flows.Media {
	md := new(flows.Media)
	d.sub(func(d *dec) {
		for d.more() {
			f, wt := d.key()
			switch f {
			case 1:
				md.Kind = d.str()
			case 2:
				md.ID = d.str()
			case 3:
				md.MIME = d.str()
			case 4:
				md.Caption = d.str()
			case 5:
				md.Filename = d.str()
			case 6:
				md.Latitude = d.float()
			case 7:
				md.Longitude = d.float()
			case 8:
				md.Name = d.str()
			case 9:
				md.Address = d.str()
			case 10:
				md.Contacts = append(md.Contacts, flows.Contact{})
				d.contact(&md.Contacts[len(md.Contacts)-1])
			default:
				d.skip(wt)
			}
		}
	})
	return md
}

func (d *dec) ticket(t *flows.TicketRef) {
	d.sub(func(d *dec) {
		for d.more() {
			f, wt := d.key()
			switch f {
			case 1:
				t.Connector = d.str()
			case 2:
				t.ID = d.str()
			case 3:
				t.URL = d.str()
			default:
				d.skip(wt)
			}
		}
	})
}

func (e *enc) signals(f int, g *flows.Signals) {
	e.msg(f, func() {
		e.str(1, g.Intent)
		e.float(2, g.Confidence)
		for _, r := range g.Ranking {
			e.msg(3, func() {
				e.str(1, r.Intent)
				e.float(2, r.Score)
			})
		}
		e.bool(4, g.WantsHuman)
		e.bool(5, g.Frustrated)
		e.float(6, g.Sentiment)
		e.str(7, g.Language)
		for k, vs := range g.Entities {
			e.msg(8, func() {
				e.text(1, k)
				for _, v := range vs {
					e.text(2, v)
				}
			})
		}
		e.str(9, g.Source)
		e.str(10, g.Fallback)
		e.float(11, g.Frustration)
	})
}

func (d *dec) signals() *flows.Signals {
	g := new(flows.Signals)
	d.sub(func(d *dec) {
		for d.more() {
			f, wt := d.key()
			switch f {
			case 1:
				g.Intent = d.str()
			case 2:
				g.Confidence = d.float()
			case 3:
				var r flows.IntentScore
				d.sub(func(d *dec) {
					for d.more() {
						f, wt := d.key()
						switch f {
						case 1:
							r.Intent = d.str()
						case 2:
							r.Score = d.float()
						default:
							d.skip(wt)
						}
					}
				})
				g.Ranking = append(g.Ranking, r)
			case 4:
				g.WantsHuman = d.uvarint() != 0
			case 5:
				g.Frustrated = d.uvarint() != 0
			case 6:
				g.Sentiment = d.float()
			case 7:
				g.Language = d.str()
			case 8:
				var k string
				var vs []string
				d.sub(func(d *dec) {
					for d.more() {
						f, wt := d.key()
						switch f {
						case 1:
							k = d.str()
						case 2:
							vs = append(vs, d.str())
						default:
							d.skip(wt)
						}
					}
				})
				if g.Entities == nil {
					g.Entities = map[string][]string{}
				}
				g.Entities[k] = vs
			case 9:
				g.Source = d.str()
			case 10:
				g.Fallback = d.str()
			case 11:
				g.Frustration = d.float()
			default:
				d.skip(wt)
			}
		}
	})
	return g
}
