package handoff

import (
	"fmt"
	"strings"

	"github.com/expr-lang/expr"

	"github.com/batonbot/baton/flows"
)

// routeFacts is what rules look at, computed once per handoff; the
// customer's words and the expression environment only when a rule or
// the priority score asks for them.
type routeFacts struct {
	h                                            *flows.Handoff
	sig                                          flows.Signals
	intent, lang, reason, channel, plan, country string
	vip                                          bool
	vars                                         map[string]any
	// words is the customer's messages since the last handoff ended,
	// folded, as " w1 w2 \n w3 ... ".
	words    string
	messages int
	hasWords bool
	env      map[string]any
}

func routeFactsOf(h *flows.Handoff) *routeFacts {
	f := &routeFacts{reason: h.Reason, channel: flows.Fold(h.Channel), vars: h.Vars}
	if f.vars == nil {
		f.vars = map[string]any{}
	}
	sig := flows.Signals{}
	if h.Signals != nil {
		sig = *h.Signals
	}
	f.intent = sig.Intent
	f.lang = h.Language
	if f.lang == "" {
		f.lang = sig.Language
	}
	f.lang = flows.Fold(f.lang)
	meta := h.Contact.Meta
	f.vip = routeTruthy(meta["vip"])
	f.plan = flows.Fold(strings.TrimSpace(meta["plan"]))
	f.country = contactCountry(h.Contact, h.Channel)
	f.h, f.sig = h, sig
	return f
}

// contactCountry is the ISO country of a contact on channel: its
// "country" metadata, else its phone number's (a WhatsApp contact's id
// is its number).
func contactCountry(c flows.Contact, channel string) string {
	if cc := strings.TrimSpace(c.Meta["country"]); len(cc) == 2 {
		return strings.ToUpper(cc)
	} else if cc := CountryFromPhone(c.Phone); cc != "" {
		return cc
	} else if channel == "whatsapp" {
		return CountryFromPhone(c.ID)
	}
	return ""
}

// customerWords returns the customer's messages since the bot last took
// the conversation back from people (the transcript's last system line:
// an earlier handoff's words are that handoff's), folded, as
// " w1 w2 \n w3 ... ".
func (f *routeFacts) customerWords() string {
	if f.hasWords {
		return f.words
	}
	tr := sinceReturn(f.h.Transcript)
	var b strings.Builder
	b.WriteByte(' ')
	for _, m := range tr {
		if m.From != flows.RoleUser {
			continue
		}
		f.messages++
		for _, w := range flows.Words(flows.Fold(m.Text + " " + m.Choice)) {
			b.WriteString(w)
			b.WriteByte(' ')
		}
		b.WriteString("\n ") // a phrase does not span two messages
	}
	f.words, f.hasWords = b.String(), true
	return f.words
}

// sinceReturn is the part of a transcript after its last system line:
// what was said since the bot last took the conversation back from a
// ticket (the engine writes that line), this handoff's own.
func sinceReturn(tr []flows.Message) []flows.Message {
	for i := len(tr) - 1; i >= 0; i-- {
		if tr[i].From == flows.RoleSystem {
			return tr[i+1:]
		}
	}
	return tr
}

// environment returns what when: expressions and the priority score see.
func (f *routeFacts) environment() map[string]any {
	if f.env != nil {
		return f.env
	}
	h, sig := f.h, f.sig
	f.customerWords() // counts the messages
	customer := map[string]string{}
	for k, v := range h.Contact.Meta {
		customer[k] = v
	}
	f.env = map[string]any{
		"vars": f.vars,
		"signals": map[string]any{
			"intent": sig.Intent, "confidence": sig.Confidence, "sentiment": sig.Sentiment,
			"frustrated": sig.Frustrated, "frustration": sig.Frustration, "wants_human": sig.WantsHuman, "language": sig.Language,
		},
		"intent":      sig.Intent,
		"confidence":  sig.Confidence,
		"sentiment":   sig.Sentiment,
		"frustrated":  sig.Frustrated,
		"frustration": sig.Frustration,
		"wants_human": sig.WantsHuman,
		"language":    f.lang,
		"no_match":    h.NoMatch,
		"vip":         f.vip,
		"plan":        f.plan,
		"country":     f.country,
		"customer":    customer,
		"reason":      h.Reason,
		"channel":     f.channel,
		"team":        h.Team,
		"tags":        append([]string{}, h.Tags...),
		"messages":    f.messages,
		"in_hours":    h.InHours,
	}
	return f.env
}

func routeTruthy(s string) bool {
	switch flows.Fold(strings.TrimSpace(s)) {
	case "true", "yes", "y", "1", "si", "vip":
		return true
	}
	return false
}

// firstRule returns the first rule that matches, and warnings for rules
// whose expression failed (they do not match).
func (r *Router) firstRule(f *routeFacts) (*ConfigRule, []string) {
	var warns []string
	for _, rule := range r.cfg.Routing.Rules {
		ok, err := rule.Match.matches(f)
		if err != nil {
			warns = append(warns, fmt.Sprintf("%s: when.expr %q failed: %v; rule skipped", rule.Name, rule.Match.WhenSource, err))
			continue
		}
		if ok {
			return rule, warns
		}
	}
	return nil, warns
}

func (m *ConfigMatch) matches(f *routeFacts) (bool, error) {
	if len(m.Intents) > 0 && !routeIn(m.Intents, f.intent) {
		return false, nil
	}
	if len(m.Languages) > 0 && !routeLang(m.Languages, f.lang) {
		return false, nil
	}
	if len(m.Reasons) > 0 && !routeIn(m.Reasons, f.reason) {
		return false, nil
	}
	if len(m.Channels) > 0 && !routeIn(m.Channels, f.channel) {
		return false, nil
	}
	if len(m.Plans) > 0 && !routeIn(m.Plans, f.plan) {
		return false, nil
	}
	if len(m.Countries) > 0 && !routeIn(m.Countries, f.country) {
		return false, nil
	}
	if m.VIP != nil && *m.VIP != f.vip {
		return false, nil
	}
	if len(m.Keywords) > 0 {
		found := false
		for _, k := range m.Keywords {
			if w := flows.Words(k); len(w) > 0 && strings.Contains(f.customerWords(), " "+strings.Join(w, " ")+" ") {
				found = true
				break
			}
		}
		if !found {
			return false, nil
		}
	}
	for name, want := range m.Vars {
		v, ok := f.vars[name]
		if !ok {
			return false, nil
		}
		s := ""
		if v != nil {
			s = flows.Fold(fmt.Sprint(v))
		}
		if !routeIn(want, s) {
			return false, nil
		}
	}
	if m.When != nil {
		out, err := expr.Run(m.When, f.environment())
		if err != nil {
			return false, err
		}
		b, _ := out.(bool)
		return b, nil
	}
	return true, nil
}

func routeIn(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// routeLang matches a conversation language with a rule's languages by
// base language ("pt" matches "pt-br").
func routeLang(list []string, lang string) bool {
	return assignSpeaks(list, lang)
}
