package handoff

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
)

// Message keys of the customer-facing texts a routing decision produces.
const (
	MsgAssigned         = "assigned"           // in hours, with an SLA: {team}, {sla}
	MsgAssignedNoSLA    = "assigned_no_sla"    // in hours, no SLA for the priority: {team}
	MsgAssignedBy       = "assigned_by"        // in hours, the SLA's due time after a closure: {team}, {due}
	MsgAfterHoursTicket = "after_hours_ticket" // closed, ticket opened anyway: {team}, {opens}
	MsgAfterHoursTell   = "after_hours_tell"   // closed, no ticket: {team}, {opens}
	MsgAfterHoursEmail  = "after_hours_email"  // closed, e-mail offered: {team}, {opens}, {email}
	// Closed with no opening within the year ahead (holidays all year: a
	// team wound down), so no {opens} to tell.
	MsgAfterHoursTicketNoDate = "after_hours_ticket_no_date" // ticket opened anyway: {team}
	MsgAfterHoursTellNoDate   = "after_hours_tell_no_date"   // no ticket: {team}
	MsgAfterHoursEmailNoDate  = "after_hours_email_no_date"  // e-mail offered: {team}, {email}
)

// MessagePlaceholders are the {placeholders} each message key fills; any
// other is left as written.
var MessagePlaceholders = map[string][]string{
	MsgAssigned:         {"team", "sla"},
	MsgAssignedNoSLA:    {"team"},
	MsgAssignedBy:       {"team", "due"},
	MsgAfterHoursTicket: {"team", "opens"},
	MsgAfterHoursTell:   {"team", "opens"},
	MsgAfterHoursEmail:  {"team", "opens", "email"},

	MsgAfterHoursTicketNoDate: {"team"},
	MsgAfterHoursTellNoDate:   {"team"},
	MsgAfterHoursEmailNoDate:  {"team", "email"},
}

// DefaultMessages are the built-in texts by key and language; the
// config's messages: section overrides them.
var DefaultMessages = map[string]map[string]string{
	MsgAssigned: {
		"it": "Ti ho passato al team {team}, ti risponderemo entro {sla}.",
		"en": "I've passed you to the {team} team; we'll reply within {sla}.",
		"es": "Te he pasado al equipo {team}; te responderemos en {sla}.",
		"fr": "Je vous ai transféré à l'équipe {team} ; nous vous répondrons sous {sla}.",
		"de": "Ich habe dich an das Team {team} weitergeleitet; wir antworten innerhalb von {sla}.",
		"pt": "Passei você para a equipe {team}; responderemos em até {sla}.",
	},
	MsgAssignedNoSLA: {
		"it": "Ti ho passato al team {team}, ti risponderemo il prima possibile.",
		"en": "I've passed you to the {team} team; we'll reply as soon as we can.",
		"es": "Te he pasado al equipo {team}; te responderemos lo antes posible.",
		"fr": "Je vous ai transféré à l'équipe {team} ; nous vous répondrons dès que possible.",
		"de": "Ich habe dich an das Team {team} weitergeleitet; wir antworten so bald wie möglich.",
		"pt": "Passei você para a equipe {team}; responderemos assim que possível.",
	},
	MsgAssignedBy: {
		"it": "Ti ho passato al team {team}, ti risponderemo entro {due}.",
		"en": "I've passed you to the {team} team; we'll reply by {due}.",
		"es": "Te he pasado al equipo {team}; te responderemos a más tardar {due}.",
		"fr": "Je vous ai transféré à l'équipe {team} ; nous vous répondrons d'ici {due}.",
		"de": "Ich habe dich an das Team {team} weitergeleitet; wir antworten bis {due}.",
		"pt": "Passei você para a equipe {team}; responderemos até {due}.",
	},
	MsgAfterHoursTicket: {
		"it": "Il team {team} ora è chiuso: ho registrato la tua richiesta e ti risponderemo alla riapertura, {opens}.",
		"en": "The {team} team is closed right now: I've logged your request and we'll reply when we reopen, {opens}.",
		"es": "El equipo {team} está cerrado ahora: he registrado tu solicitud y te responderemos al reabrir, {opens}.",
		"fr": "L'équipe {team} est fermée pour le moment : j'ai enregistré votre demande, nous vous répondrons à la réouverture, {opens}.",
		"de": "Das Team {team} ist gerade nicht erreichbar: Ich habe deine Anfrage erfasst, wir antworten, sobald wir wieder da sind, {opens}.",
		"pt": "A equipe {team} está fechada agora: registrei seu pedido e responderemos na reabertura, {opens}.",
	},
	MsgAfterHoursTell: {
		"it": "Il team {team} ora è chiuso e riapre {opens}: scrivici di nuovo allora.",
		"en": "The {team} team is closed right now and reopens {opens}: please write to us again then.",
		"es": "El equipo {team} está cerrado ahora y reabre {opens}: escríbenos de nuevo entonces.",
		"fr": "L'équipe {team} est fermée pour le moment et rouvre {opens} : écrivez-nous à nouveau à ce moment-là.",
		"de": "Das Team {team} ist gerade nicht erreichbar und ab {opens} wieder da: Schreib uns dann bitte noch einmal.",
		"pt": "A equipe {team} está fechada agora e reabre {opens}: escreva de novo nesse horário.",
	},
	MsgAfterHoursEmail: {
		"it": "Il team {team} ora è chiuso (riapre {opens}). Puoi scriverci a {email}: ti risponderemo appena possibile.",
		"en": "The {team} team is closed right now (it reopens {opens}). You can write to {email} and we'll reply as soon as we can.",
		"es": "El equipo {team} está cerrado ahora (reabre {opens}). Puedes escribirnos a {email} y te responderemos lo antes posible.",
		"fr": "L'équipe {team} est fermée pour le moment (réouverture {opens}). Vous pouvez écrire à {email}, nous répondrons dès que possible.",
		"de": "Das Team {team} ist gerade nicht erreichbar (wieder ab {opens}). Schreib uns an {email}, wir antworten so bald wie möglich.",
		"pt": "A equipe {team} está fechada agora (reabre {opens}). Você pode escrever para {email} e responderemos assim que possível.",
	},
	MsgAfterHoursTicketNoDate: {
		"it": "Il team {team} per ora è chiuso: ho registrato la tua richiesta e ti risponderemo alla riapertura.",
		"en": "The {team} team is closed for now: I've logged your request and we'll reply when we reopen.",
		"es": "El equipo {team} está cerrado por ahora: he registrado tu solicitud y te responderemos al reabrir.",
		"fr": "L'équipe {team} est fermée pour le moment : j'ai enregistré votre demande, nous vous répondrons à la réouverture.",
		"de": "Das Team {team} ist vorerst nicht erreichbar: Ich habe deine Anfrage erfasst, wir antworten, sobald wir wieder da sind.",
		"pt": "A equipe {team} está fechada por enquanto: registrei seu pedido e responderemos na reabertura.",
	},
	MsgAfterHoursTellNoDate: {
		"it": "Il team {team} per ora è chiuso e non ha ancora una data di riapertura: scrivici di nuovo più avanti.",
		"en": "The {team} team is closed for now, with no date set to reopen: please write to us again later.",
		"es": "El equipo {team} está cerrado por ahora y aún no tiene fecha de reapertura: escríbenos de nuevo más adelante.",
		"fr": "L'équipe {team} est fermée pour le moment, sans date de réouverture prévue : écrivez-nous à nouveau plus tard.",
		"de": "Das Team {team} ist vorerst nicht erreichbar, ein Termin steht noch nicht fest: Schreib uns bitte später noch einmal.",
		"pt": "A equipe {team} está fechada por enquanto, ainda sem data de reabertura: escreva de novo mais tarde.",
	},
	MsgAfterHoursEmailNoDate: {
		"it": "Il team {team} per ora è chiuso. Puoi scriverci a {email}: ti risponderemo appena possibile.",
		"en": "The {team} team is closed for now. You can write to {email} and we'll reply as soon as we can.",
		"es": "El equipo {team} está cerrado por ahora. Puedes escribirnos a {email} y te responderemos lo antes posible.",
		"fr": "L'équipe {team} est fermée pour le moment. Vous pouvez écrire à {email}, nous répondrons dès que possible.",
		"de": "Das Team {team} ist vorerst nicht erreichbar. Schreib uns an {email}, wir antworten so bald wie möglich.",
		"pt": "A equipe {team} está fechada por enquanto. Você pode escrever para {email} e responderemos assim que possível.",
	},
}

// SLAFor is the first-response time promised for a handoff of priority p
// to team: the team's own SLA table, else the global one; zero when none.
func (c *Config) SLAFor(team string, p flows.Priority) time.Duration {
	if c == nil {
		return 0
	}
	if t := c.Teams[team]; t != nil {
		if d, ok := t.SLA[p]; ok {
			return d
		}
	}
	return c.SLA[p]
}

// Text renders the message key in lang (falling back to its base
// language, then English) with {name} placeholders from vars.
func (c *Config) Text(key, lang string, vars map[string]string) string {
	var tmpl string
	for _, l := range slaLangs(lang) {
		if c != nil {
			if s, ok := c.Messages[key][l]; ok {
				tmpl = s
				break
			}
		}
		if s, ok := DefaultMessages[key][l]; ok {
			tmpl = s
			break
		}
	}
	return expand(tmpl, vars)
}

// speaks reports whether key has a text in lang itself or its base
// language (the config's or the built-in one), not only the English
// that Text falls back to.
func (c *Config) speaks(key, lang string) bool {
	langs := slaLangs(lang)
	for _, l := range langs[:len(langs)-1] {
		if c != nil {
			if _, ok := c.Messages[key][l]; ok {
				return true
			}
		}
		if _, ok := DefaultMessages[key][l]; ok {
			return true
		}
	}
	return len(langs) == 1 // lang is empty: English is its text
}

// expand replaces each {name} of tmpl that names one of vars with its
// value, left to right (what a strings.Replacer of the "{name}", value
// pairs does, without building one per message).
func expand(tmpl string, vars map[string]string) string {
	if len(vars) == 0 || strings.IndexByte(tmpl, '{') < 0 {
		return tmpl
	}
	var b strings.Builder
	b.Grow(len(tmpl) + 16)
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			break
		}
		if v, ok := vars[tmpl[i+1:i+j]]; ok {
			b.WriteString(tmpl[:i])
			b.WriteString(v)
			tmpl = tmpl[i+j+1:]
			continue
		}
		b.WriteString(tmpl[:i+1])
		tmpl = tmpl[i+1:]
	}
	b.WriteString(tmpl)
	return b.String()
}

// slaLangs is the fallback chain for lang: "pt-BR" → pt-BR, pt, en.
func slaLangs(lang string) []string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	out := []string{}
	if lang != "" {
		out = append(out, lang)
		if base, _, ok := strings.Cut(strings.ReplaceAll(lang, "_", "-"), "-"); ok {
			out = append(out, base)
		}
	}
	return append(out, "en")
}

type slaWords struct {
	minute, minutes, hour, hours, day, days, and string
	weekdays                                     [7]string
	today, tomorrow, at                          string
	// date follows the weekday of an opening a week or more ahead (a
	// time.Format layout).
	date string
}

var slaVocab = map[string]slaWords{
	"it": {"minuto", "minuti", "ora", "ore", "giorno", "giorni", "e",
		[7]string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"}, "oggi", "domani", "alle", " 02/01"},
	"en": {"minute", "minutes", "hour", "hours", "day", "days", "and",
		[7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}, "today", "tomorrow", "at", ", January 2"},
	"es": {"minuto", "minutos", "hora", "horas", "día", "días", "y",
		[7]string{"el domingo", "el lunes", "el martes", "el miércoles", "el jueves", "el viernes", "el sábado"}, "hoy", "mañana", "a las", " 02/01"},
	"fr": {"minute", "minutes", "heure", "heures", "jour", "jours", "et",
		[7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}, "aujourd'hui", "demain", "à", " 02/01"},
	"de": {"Minute", "Minuten", "Stunde", "Stunden", "Tag", "Tagen", "und",
		[7]string{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"}, "heute", "morgen", "um", ", 02.01."},
	"pt": {"minuto", "minutos", "hora", "horas", "dia", "dias", "e",
		[7]string{"domingo", "segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado"}, "hoje", "amanhã", "às", ", 02/01"},
}

func slaVocabFor(lang string) slaWords {
	for _, l := range slaLangs(lang) {
		if w, ok := slaVocab[l]; ok {
			return w
		}
	}
	return slaVocab["en"]
}

// FormatDuration writes d for a customer in lang: "2 ore", "30 minutes",
// "1 hour and 30 minutes", "2 días".
func FormatDuration(d time.Duration, lang string) string {
	w := slaVocabFor(lang)
	unit := func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.Itoa(n) + " " + many
	}
	d = d.Round(time.Minute)
	if d < time.Minute {
		d = time.Minute
	}
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return unit(int(d/(24*time.Hour)), w.day, w.days)
	}
	if d >= time.Hour {
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		s := unit(h, w.hour, w.hours)
		if m > 0 {
			s += " " + w.and + " " + unit(m, w.minute, w.minutes)
		}
		return s
	}
	return unit(int(d/time.Minute), w.minute, w.minutes)
}

// dueToday is how a language says a time later today after "by" when
// "today at 14:30" does not read after it ("by today at 14:30"): the
// time first.
var dueToday = map[string]string{"en": "%s today", "fr": "%s aujourd'hui"}

// clockLayout is how a language writes a time of day where it is not
// 15:04: French writes 10h30.
var clockLayout = map[string]string{"fr": "15h04"}

// clockFor is the time.Format layout of a time of day in lang (the first
// of its languages Baton has words for).
func clockFor(lang string) string {
	for _, l := range slaLangs(lang) {
		if _, ok := slaVocab[l]; ok {
			if c, ok := clockLayout[l]; ok {
				return c
			}
			break
		}
	}
	return "15:04"
}

// FormatDue writes when a reply is due, seen from now, in lang, followed
// by zone (" CET", or ""): what follows "by", "entro", "a más tardar":
// "Monday at 10:30 CET", "domani alle 09:00", "hoy a las 15:30", and a
// time later today as English and French say it: "15:30 CET today",
// "15:30 aujourd'hui".
func FormatDue(at, now time.Time, loc *time.Location, lang, zone string) string {
	if at.IsZero() {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, l := range slaLangs(lang) {
		if _, ok := slaVocab[l]; !ok {
			continue
		}
		y1, m1, d1 := now.In(loc).Date()
		if y2, m2, d2 := at.In(loc).Date(); dueToday[l] != "" && y1 == y2 && m1 == m2 && d1 == d2 {
			return fmt.Sprintf(dueToday[l], at.In(loc).Format(clockFor(l))+zone)
		}
		break
	}
	return FormatOpening(at, now, loc, lang) + zone
}

// FormatOpening writes when a closed team opens, seen from now, in lang:
// "oggi alle 14:00", "tomorrow at 09:00", "lunes a las 09:00". Times are
// in loc (the team's time zone).
func FormatOpening(at, now time.Time, loc *time.Location, lang string) string {
	if at.IsZero() {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	w := slaVocabFor(lang)
	at, now = at.In(loc), now.In(loc)
	day := w.weekdays[at.Weekday()]
	y1, m1, d1 := now.Date()
	y2, m2, d2 := at.Date()
	today := time.Date(y1, m1, d1, 0, 0, 0, 0, loc)
	switch open := time.Date(y2, m2, d2, 0, 0, 0, 0, loc); {
	case open.Equal(today):
		day = w.today
	case open.Equal(today.AddDate(0, 0, 1)):
		day = w.tomorrow
	case !open.Before(today.AddDate(0, 0, 7)):
		day += at.Format(w.date) // next week's or later: the weekday alone names this week's
	}
	return day + " " + w.at + " " + at.Format(clockFor(lang))
}
