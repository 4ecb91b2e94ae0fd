package dsl

import (
	"time"

	"github.com/batonbot/baton/flows"
	"go.yaml.in/yaml/v3"
)

var slotKeys = []string{"save_as", "entity", "prompt", "validate", "invalid"}

// entityKind reads an entity kind (number, date, time...).
func (l *loader) entityKind(n *yaml.Node) string {
	s, ok := l.name(n, "an entity kind")
	if !ok {
		return ""
	}
	if !contains(flows.EntityKinds, s) {
		l.errorf(n, "unknown entity %q%s", s, suggestKey(s, flows.EntityKinds))
		return ""
	}
	l.flow.NeedsEntities = true
	if s == flows.EntityDate || s == flows.EntityDateRange || s == flows.EntityTime {
		l.datesRead = true
	}
	return s
}

// entityCapture is the sample of a variable an ask or a slot fills:
// entitySample's, or nil (any type) when entity: is written but is no
// entity kind, so that its error is not followed by one about the type
// the variable would then get.
func entityCapture(kind string, entity *yaml.Node) any {
	if entity != nil && kind == "" {
		return nil
	}
	return entitySample(kind)
}

// entitySample is what a variable filled by an entity holds: a number for
// numbers, else the value's text.
func entitySample(kind string) any {
	if kind == flows.EntityNumber {
		return 0.0
	}
	return ""
}

// collect converts `collect:`, a list of slots.
func (l *loader) collect(n *yaml.Node) *flows.Collect {
	items, ok := l.list(n, "a list of slots (save_as:, entity:, prompt:)")
	if !ok {
		return nil
	}
	c := &flows.Collect{Pos: l.pos(n)}
	seen := map[string]bool{}
	for _, it := range items {
		ps, ok := l.fields(it, "a slot", slotKeys)
		if !ok {
			continue
		}
		for _, req := range []string{"save_as", "entity", "prompt"} {
			if !hasKey(ps, req) {
				l.errorf(it, "a slot needs %s:", req)
			}
		}
		s := &flows.Slot{Pos: l.pos(it)}
		var entity *yaml.Node
		for _, p := range ps {
			if resolve(p.key).Value == "entity" {
				s.Entity, entity = l.entityKind(p.val), p.val
			}
		}
		for _, p := range ps {
			switch resolve(p.key).Value {
			case "save_as":
				s.SaveAs = l.capture(p.val, entityCapture(s.Entity, entity), captureBy("collect", s.Entity))
				if s.SaveAs != "" && seen[s.SaveAs] {
					l.errorf(p.val, "two slots save to %q; give each its own variable", s.SaveAs)
				}
				seen[s.SaveAs] = true
			case "prompt":
				s.Prompt = l.text(p.val, "prompt")
			case "validate":
				s.Validate = l.expr(p.val, true, "validate")
			case "invalid":
				s.Invalid = l.text(p.val, "invalid")
			}
		}
		if s.Invalid == nil && s.Entity != "" {
			s.Invalid = l.entityHint(s.Entity, entity)
		}
		c.Slots = append(c.Slots, s)
	}
	if len(c.Slots) == 0 {
		l.errorf(n, "collect: is empty; list the slots to fill, e.g. - {save_as: people, entity: number, prompt: \"For how many?\"}")
	}
	return c
}

// entityHint is the built-in re-prompt for an entity kind, in each of the
// flow's languages (English where there is no translation), placed at the
// entity: value that asks for it.
func (l *loader) entityHint(kind string, at *yaml.Node) *flows.Text {
	t := &flows.Text{Pos: l.pos(at), ByLang: map[string]*flows.Template{}}
	if l.autoHints == nil {
		l.autoHints = map[*flows.Text]string{}
	}
	l.autoHints[t] = kind
	for _, lang := range l.flow.Languages {
		h, ok := entityHints[lang][kind]
		if !ok {
			h = entityHints["en"][kind]
		}
		t.ByLang[lang] = &flows.Template{Parts: []flows.TemplatePart{{Lit: h}}}
	}
	if len(t.ByLang) == 0 {
		t.ByLang[""] = &flows.Template{Parts: []flows.TemplatePart{{Lit: entityHints["en"][kind]}}}
	}
	return t
}

var entityHints = map[string]map[string]string{
	"it": {
		flows.EntityNumber:    "Scrivimi un numero, per esempio 4.",
		flows.EntityDate:      "Non ho capito il giorno: scrivi per esempio «domani», «sabato» o «12 marzo».",
		flows.EntityDateRange: "Non ho capito le date: scrivi per esempio «dal 3 al 5 aprile».",
		flows.EntityTime:      "Non ho capito l'orario: scrivi per esempio «alle 20» o «alle 8 di sera».",
		flows.EntityDuration:  "Quanto tempo? Per esempio «2 ore» o «mezz'ora».",
		flows.EntityMoney:     "Quanto? Scrivi l'importo, per esempio «20 euro».",
		flows.EntityEmail:     "Mi serve un indirizzo email, per esempio nome@esempio.it.",
		flows.EntityPhone:     "Mi serve un numero di telefono, per esempio +39 333 123 4567.",
		flows.EntityOrder:     "Il numero d'ordine ha fino a 4 lettere e da 4 a 8 cifre, per esempio A12345, ORD-2024-0001 o #12345.",
	},
	"en": {
		flows.EntityNumber:    "Please write a number, e.g. 4.",
		flows.EntityDate:      "I didn't get the day: try \"tomorrow\", \"Saturday\" or \"12 March\".",
		flows.EntityDateRange: "I didn't get the dates: try \"from 3 to 5 April\".",
		flows.EntityTime:      "I didn't get the time: try \"8pm\" or \"half past seven\".",
		flows.EntityDuration:  "How long? For example \"2 hours\" or \"half an hour\".",
		flows.EntityMoney:     "How much? Write the amount, e.g. \"20 euros\".",
		flows.EntityEmail:     "I need an email address, like name@example.com.",
		flows.EntityPhone:     "I need a phone number, like +44 20 7946 0958.",
		flows.EntityOrder:     "The order number has up to 4 letters and 4 to 8 digits, e.g. A12345, ORD-2024-0001 or #12345.",
	},
	"es": {
		flows.EntityNumber:    "Escríbeme un número, por ejemplo 4.",
		flows.EntityDate:      "No entendí el día: prueba con «mañana», «el sábado» o «12 de marzo».",
		flows.EntityDateRange: "No entendí las fechas: prueba con «del 3 al 5 de abril».",
		flows.EntityTime:      "No entendí la hora: prueba con «a las 20» o «a las 8 de la tarde».",
		flows.EntityDuration:  "¿Cuánto tiempo? Por ejemplo «2 horas» o «media hora».",
		flows.EntityMoney:     "¿Cuánto? Escribe el importe, por ejemplo «20 euros».",
		flows.EntityEmail:     "Necesito un correo electrónico, por ejemplo nombre@ejemplo.es.",
		flows.EntityPhone:     "Necesito un número de teléfono, por ejemplo +34 612 345 678.",
		flows.EntityOrder:     "El número de pedido tiene hasta 4 letras y de 4 a 8 cifras, por ejemplo A12345, ORD-2024-0001 o #12345.",
	},
}

// timezone reads the flow's time zone.
func (l *loader) timezone(n *yaml.Node) {
	tz, ok := l.name(n, "a time zone")
	if !ok {
		l.tzBroken = true
		return
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "Local" {
		l.errorf(n, "unknown time zone %q: use an IANA name like Europe/Rome or America/New_York", tz)
		l.tzBroken = true
		return
	}
	l.flow.Location = loc
}

// settleTimezone gives a flow without timezone: its default calendar's, and
// warns when the flow reads dates or times and has neither.
func (l *loader) settleTimezone(root *yaml.Node) {
	if l.flow.Location != nil {
		return
	}
	if cal := l.flow.Hours["default"]; cal != nil && cal.Location != nil {
		l.flow.Location = cal.Location
		return
	}
	if l.datesRead && !l.tzBroken {
		l.warnAt(l.pos(root), "the flow reads dates or times but sets no timezone: \"domani\" and \"alle 20\" resolve in UTC; add timezone: (an IANA name like Europe/Rome)")
	}
}

// captureBy names an ask or a collect slot in errors, with its entity.
func captureBy(what, entity string) string {
	if entity == "" {
		return what
	}
	return what + " (entity: " + entity + ")"
}
