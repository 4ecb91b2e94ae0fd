package handoff

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// What a customer is told about a wait and an opening time: a wait that
// a closure stretched (a 2-hour SLA counted in business hours, given on
// Friday at 17:30) is the time of the reply, not "65 hours"; a time is
// followed by the team's zone unless the customer reads the same clock
// (the contact's timezone, or a country with that one zone).
func TestRouteToldTimes(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	friday1730 := time.Date(2025, 3, 14, 17, 30, 0, 0, rome)
	monday1030 := time.Date(2025, 3, 17, 10, 30, 0, 0, rome)
	// A lunch break (13-14): a 2-hour wait from 12:30 ends at 15:30 the
	// same day.
	lunch := time.Date(2025, 3, 17, 12, 30, 0, 0, rome)
	// Business hours 9-18 on weekdays: Friday's last half hour, then
	// Monday from 9:00.
	wait := RouterSLAWait(func(_ string, start time.Time, d time.Duration) time.Duration {
		if start.Equal(friday1730) {
			return monday1030.Sub(start)
		}
		if start.Equal(lunch) {
			return 3 * time.Hour
		}
		return d
	})
	italian := flows.Contact{Phone: "+39 333 123 4567"}
	american := flows.Contact{Phone: "+1 212 555 0100"}
	for _, tt := range []struct {
		name    string
		now     time.Time
		lang    string
		contact flows.Contact
		intent  string
		want    string
	}{
		{"a weekend wait, Italian customer", friday1730, "it", italian, "refund",
			"Ti ho passato al team Billing, ti risponderemo entro lunedì alle 10:30."},
		{"a weekend wait in English, a customer abroad", friday1730, "en", american, "refund",
			"I've passed you to the Billing team; we'll reply by Monday at 10:30 CET."},
		{"a weekend wait in Spanish", friday1730, "es", italian, "refund",
			"Te he pasado al equipo Billing; te responderemos a más tardar el lunes a las 10:30."},
		// A reply due later today: "by 15:30 today", as English says it,
		// not "by today at 15:30"; Italian and Spanish say "entro oggi
		// alle 15:30", "a más tardar hoy a las 15:30".
		{"due later today in English", lunch, "en", italian, "refund",
			"I've passed you to the Billing team; we'll reply by 15:30 today."},
		{"due later today in English, a customer abroad", lunch, "en", american, "refund",
			"I've passed you to the Billing team; we'll reply by 15:30 CET today."},
		{"due later today in Italian", lunch, "it", italian, "refund",
			"Ti ho passato al team Billing, ti risponderemo entro oggi alle 15:30."},
		{"due later today in Spanish", lunch, "es", american, "refund",
			"Te he pasado al equipo Billing; te responderemos a más tardar hoy a las 15:30 CET."},
		{"due later today in French", lunch, "fr", italian, "refund",
			"nous vous répondrons d'ici 15h30 aujourd'hui."},
		{"due later today in German", lunch, "de", italian, "refund",
			"wir antworten bis heute um 15:30."},
		{"a wait within the hours is a duration", monday10, "it", italian, "refund",
			"Ti ho passato al team Billing, ti risponderemo entro 2 ore."},
		{"closed: the opening in the team's zone, named for a customer abroad", time.Date(2025, 3, 10, 20, 0, 0, 0, time.UTC), "en", american, "invoice",
			"we'll reply when we reopen, tomorrow at 09:00 CET."},
		{"closed: not named for a customer of the team's country", time.Date(2025, 3, 10, 20, 0, 0, 0, time.UTC), "it", italian, "invoice",
			"ti risponderemo alla riapertura, domani alle 09:00."},
		{"closed: the contact's own zone is the team's", time.Date(2025, 3, 10, 20, 0, 0, 0, time.UTC), "en",
			flows.Contact{Phone: "+1 212 555 0100", Meta: map[string]string{"timezone": "Europe/Berlin"}}, "invoice",
			"we'll reply when we reopen, tomorrow at 09:00."},
		{"closed: a country of another name with the same clock", time.Date(2025, 3, 10, 20, 0, 0, 0, time.UTC), "en",
			flows.Contact{Phone: "+49 30 1234567"}, "invoice",
			"we'll reply when we reopen, tomorrow at 09:00."},
		{"closed: a customer in London", time.Date(2025, 3, 10, 20, 0, 0, 0, time.UTC), "en",
			flows.Contact{Phone: "+44 20 7946 0000"}, "invoice",
			"we'll reply when we reopen, tomorrow at 09:00 CET."},
		{"closed: the contact's zone differs", time.Date(2025, 3, 10, 20, 0, 0, 0, time.UTC), "es",
			flows.Contact{Phone: "+39 333 123 4567", Meta: map[string]string{"timezone": "America/Bogota"}}, "invoice",
			"te responderemos al reabrir, mañana a las 09:00 CET."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestRouter(t, routeTestConfig(t), tt.now, wait)
			h := flows.Handoff{Language: tt.lang, Contact: tt.contact, Signals: &flows.Signals{Intent: tt.intent}}
			d, err := r.Route(context.Background(), &h)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Message) < len(tt.want) || d.Message[len(d.Message)-len(tt.want):] != tt.want {
				t.Errorf("told %q, want it to end %q", d.Message, tt.want)
			}
		})
	}
}

func TestZoneName(t *testing.T) {
	for _, tt := range []struct{ zone, want string }{
		{"Europe/Rome", "CET"}, {"America/New_York", "EST"}, {"America/Sao_Paulo", "UTC-3"},
		{"Asia/Kolkata", "IST"}, {"Asia/Kathmandu", "UTC+5:45"}, {"UTC", "UTC"},
	} {
		loc, err := time.LoadLocation(tt.zone)
		if err != nil {
			t.Fatal(err)
		}
		if got := ZoneName(time.Date(2025, 1, 15, 9, 0, 0, 0, loc)); got != tt.want {
			t.Errorf("ZoneName(%s) = %q, want %q", tt.zone, got, tt.want)
		}
	}
}

// A team closed for longer than NextOpen looks ahead (a year and a
// month of holidays: a team wound down) has no opening to tell: the
// customer is told so in words, never "reopens : please write to us again
// then".
func TestRouteClosedWithNoOpening(t *testing.T) {
	now := time.Date(2025, 3, 10, 20, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		mode string
		lang string
		want string
	}{
		{OutOfHoursTicket, "en", "The Billing team is closed for now: I've logged your request and we'll reply when we reopen."},
		{OutOfHoursTell, "en", "The Billing team is closed for now, with no date set to reopen: please write to us again later."},
		{OutOfHoursEmail, "en", "The Billing team is closed for now. You can write to billing@acme.example and we'll reply as soon as we can."},
		{OutOfHoursTicket, "it", "Il team Billing per ora è chiuso: ho registrato la tua richiesta e ti risponderemo alla riapertura."},
		{OutOfHoursTell, "it", "Il team Billing per ora è chiuso e non ha ancora una data di riapertura: scrivici di nuovo più avanti."},
		{OutOfHoursEmail, "it", "Il team Billing per ora è chiuso. Puoi scriverci a billing@acme.example: ti risponderemo appena possibile."},
		{OutOfHoursTell, "es", "El equipo Billing está cerrado por ahora y aún no tiene fecha de reapertura: escríbenos de nuevo más adelante."},
		{OutOfHoursTell, "fr", "L'équipe Billing est fermée pour le moment, sans date de réouverture prévue : écrivez-nous à nouveau plus tard."},
		{OutOfHoursTell, "de", "Das Team Billing ist vorerst nicht erreichbar, ein Termin steht noch nicht fest: Schreib uns bitte später noch einmal."},
		{OutOfHoursTell, "pt", "A equipe Billing está fechada por enquanto, ainda sem data de reabertura: escreva de novo mais tarde."},
	} {
		t.Run(tt.mode+"/"+tt.lang, func(t *testing.T) {
			cfg := routeTestConfig(t)
			billing := cfg.Teams["billing"]
			billing.OutOfHours, billing.Email = tt.mode, "billing@acme.example"
			for d := range 420 {
				billing.Hours.Holidays[now.AddDate(0, 0, d).Format(time.DateOnly)] = true
			}
			r := newTestRouter(t, cfg, now)
			h := flows.Handoff{Language: tt.lang, Contact: flows.Contact{Phone: "+39 333 123 4567"}, Signals: &flows.Signals{Intent: "refund"}}
			d, err := r.Route(context.Background(), &h)
			if err != nil {
				t.Fatal(err)
			}
			if d.Team != "billing" || d.InHours || !d.NextOpen.IsZero() {
				t.Fatalf("routed to %s, in hours %v, opens %s: want billing, closed, no opening", d.Team, d.InHours, d.NextOpen)
			}
			if d.Message != tt.want {
				t.Errorf("told %q\nwant  %q", d.Message, tt.want)
			}
		})
	}
}

// A deployment that words only the no-date text of a ticket opened out
// of hours (after_hours_ticket_no_date) opts in to telling it, as one
// that words after_hours_ticket does; MessageKey names the text the
// message was written from.
func TestTellsNoDateMessage(t *testing.T) {
	now := time.Date(2025, 3, 10, 20, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		mode, key, text string
		worded          string // the key the deployment words, when not key
	}{
		{OutOfHoursTicket, MsgAfterHoursTicketNoDate, "Billing is closed until further notice; your request is logged.", ""},
		// One that words the dated text opted in to telling the undated one.
		{OutOfHoursTicket, MsgAfterHoursTicketNoDate, "We're closed; we'll reply when we reopen, {opens}.", MsgAfterHoursTicket},
		{OutOfHoursTell, MsgAfterHoursTellNoDate, "Billing is closed until further notice.", ""},
		{OutOfHoursEmail, MsgAfterHoursEmailNoDate, "Billing is closed until further notice: write to {email}.", ""},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			cfg := routeTestConfig(t)
			worded := tt.key
			if tt.worded != "" {
				worded = tt.worded
			}
			cfg.Messages = map[string]map[string]string{worded: {"en": tt.text}}
			billing := cfg.Teams["billing"]
			billing.OutOfHours, billing.Email = tt.mode, "billing@acme.example"
			for d := range 420 {
				billing.Hours.Holidays[now.AddDate(0, 0, d).Format(time.DateOnly)] = true
			}
			r := newTestRouter(t, cfg, now)
			h := flows.Handoff{Language: "en", Contact: flows.Contact{Phone: "+39 333 123 4567"}, Signals: &flows.Signals{Intent: "refund"}}
			d, err := r.Route(context.Background(), &h)
			if err != nil {
				t.Fatal(err)
			}
			if got := MessageKey(d); got != tt.key {
				t.Errorf("MessageKey = %q, want %q", got, tt.key)
			}
			if !cfg.Tells(d) {
				t.Errorf("the deployment words %s, but %q is not told", worded, d.Message)
			}
		})
	}
}

// A zone is read from the zone database once, then taken from the cache;
// a name that is no zone is nil, and so is the empty name (which
// time.LoadLocation would read as UTC).
func TestLoadZoneCaches(t *testing.T) {
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{"Europe/Rome", true},
		{"America/Sao_Paulo", true},
		{"", false},
		{"Mars/Olympus_Mons", false},
		{"../../etc/passwd", false},
	} {
		first := loadZone(tt.name)
		if (first != nil) != tt.ok {
			t.Errorf("loadZone(%q) = %v, want a zone: %v", tt.name, first, tt.ok)
			continue
		}
		if tt.ok && loadZone(tt.name) != first {
			t.Errorf("loadZone(%q) read the zone database again", tt.name)
		}
	}
}

// A deployment that wrote "assigned" in a language the built-in
// "assigned_by" has no text in (Dutch) keeps its own words for a wait a
// closure stretched, the wait in hours, rather than switching to the
// English "by Monday at 10:30" (the wait's words are English: Baton has
// none in Dutch); in a language both speak, the time is told.
func TestRouteAssignedOwnLanguage(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	friday1730 := time.Date(2025, 3, 14, 17, 30, 0, 0, rome)
	monday1030 := time.Date(2025, 3, 17, 10, 30, 0, 0, rome)
	wait := RouterSLAWait(func(string, time.Time, time.Duration) time.Duration { return monday1030.Sub(friday1730) })
	for _, tt := range []struct{ lang, want string }{
		{"nl", "Het team Billing antwoordt binnen 65 hours."},
		{"nl-BE", "Het team Billing antwoordt binnen 65 hours."},
		{"it", "Ti ho passato al team Billing, ti risponderemo entro lunedì alle 10:30."},
	} {
		cfg := routeTestConfig(t)
		cfg.Messages = map[string]map[string]string{MsgAssigned: {"nl": "Het team {team} antwoordt binnen {sla}."}}
		r := newTestRouter(t, cfg, friday1730, wait)
		h := flows.Handoff{Language: tt.lang, Contact: flows.Contact{Phone: "+39 333 123 4567"}, Signals: &flows.Signals{Intent: "refund"}}
		d, err := r.Route(context.Background(), &h)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Message; got != tt.want && !strings.HasSuffix(got, tt.want) {
			t.Errorf("%s: told %q, want %q", tt.lang, got, tt.want)
		}
	}
}
