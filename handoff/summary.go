package handoff

import (
	"cmp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/batonbot/baton/flows"
)

// Summarize writes the short text at the top of a ticket: why the bot
// escalated, what the customer asked for in their own words (their most
// informative messages, and at least one whenever they wrote something
// with a word in it), the menu choices that led there and the key
// variables (those the customer gave first; not the ones that repeat the
// handoff's reason, team or priority). It is extractive (it quotes, never
// paraphrases), so it works in any language and never invents facts. A
// handoff whose Summary is set keeps its own. It is at most
// flows.MaxSummaryBytes.
func Summarize(h *flows.Handoff) string {
	if h == nil {
		return ""
	}
	return flows.ClipSummary(summarize(h))
}

// ticketSummary is the summary a ticket shows, masked when asked, then
// cut to flows.MaxSummaryBytes (masked first, so that personal data
// across the cut is masked whole).
func ticketSummary(h *flows.Handoff, mask bool) string {
	s := strings.TrimSpace(h.Summary)
	if s == "" {
		s = summarize(h)
	}
	if mask {
		s = flows.MaskPII(s)
	}
	return flows.ClipSummary(s)
}

const (
	summaryQuotes   = 2
	summaryQuoteLen = 160
	summaryVars     = 4
)

func summarize(h *flows.Handoff) string {
	var b strings.Builder
	b.Grow(128)
	b.WriteString(reasonSentence(h))
	part := func(label string, items []string, sep string) {
		if len(items) == 0 {
			return
		}
		b.WriteString(label)
		for i, it := range items {
			if i > 0 {
				b.WriteString(sep)
			}
			b.WriteString(it)
		}
		b.WriteByte('.')
	}
	part(" Customer: ", Quotes(h, summaryQuotes), " … ")
	part(" Chose: ", choices(sinceReturn(h.Transcript)), " › ")
	part(" Details: ", keyVars(h, summaryVars), ", ")
	return b.String()
}

// reasonSentence turns the handoff reason into words for an agent.
func reasonSentence(h *flows.Handoff) string {
	r := strings.TrimSpace(h.Reason)
	switch r {
	case "":
		return "The bot handed the conversation over."
	case "no_match":
		if h.NoMatch > 1 {
			return "The bot did not understand " + strconv.Itoa(h.NoMatch) + " messages in a row."
		}
		return "The bot did not understand the customer."
	case "menu":
		return "The customer chose to talk to a person."
	}
	s := "Escalated: " + strings.ReplaceAll(r, "_", " ")
	if h.Signals != nil {
		var why []string
		if h.Signals.WantsHuman {
			why = append(why, "asked for a human")
		}
		if h.Signals.Frustrated {
			why = append(why, "sounds frustrated")
		}
		if len(why) > 0 {
			s += " (" + strings.Join(why, ", ") + ")"
		}
	}
	return s + "."
}

// Quotes are up to n of the customer's messages that say what they want,
// quoted, in the order they were written: the most informative ones (order
// codes, questions, several content words), else the one with most words
// that carry anything ("voglio un rimborso"), so a short request is never
// left out. Only the messages since the bot last took the conversation
// back count: an earlier handoff's request is not this one's.
func Quotes(h *flows.Handoff, n int) []string {
	if h == nil {
		return nil
	}
	return bestQuotes(sinceReturn(h.Transcript), n)
}

// bestQuotes picks the n most informative user messages, in the order
// they were written; when none is informative enough, the best one that
// has a content word.
func bestQuotes(msgs []flows.Message, n int) []string {
	type scored struct {
		i     int
		score int
		text  string
	}
	var few [4]scored
	cands := few[:0]
	seen := make(map[string]bool, 8) // on the stack: a transcript since the bot took it back has a few messages
	for i, m := range msgs {
		if m.From != flows.RoleUser || m.Choice != "" {
			continue
		}
		t := squeezeSpace(m.Text)
		key := strings.ToLower(t)
		if t == "" || seen[key] {
			continue
		}
		seen[key] = true
		if s := informativeness(t); s >= 1 {
			cands = append(cands, scored{i, s, t})
		}
	}
	// Highest score first; on ties the later message, closer to the handoff.
	slices.SortStableFunc(cands, func(a, b scored) int {
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		return cmp.Compare(b.i, a.i)
	})
	if len(cands) > n {
		cands = cands[:n]
	}
	// Past the best one, only informative messages are quoted.
	for len(cands) > 1 && cands[len(cands)-1].score < 3 {
		cands = cands[:len(cands)-1]
	}
	slices.SortFunc(cands, func(a, b scored) int { return cmp.Compare(a.i, b.i) })
	out := make([]string, len(cands))
	for i, c := range cands {
		out[i] = "“" + strings.TrimRight(clip(c.text, summaryQuoteLen), ".!") + "”"
	}
	return out
}

// squeezeSpace is strings.Join(strings.Fields(s), " "): s itself, without
// allocating, when its words are already apart by single spaces.
func squeezeSpace(s string) string {
	prevSpace := true // at the start a space is one too many
	for _, r := range s {
		space := unicode.IsSpace(r)
		if space && (prevSpace || r != ' ') {
			return strings.Join(strings.Fields(s), " ")
		}
		prevSpace = space
	}
	if prevSpace && s != "" {
		return strings.Join(strings.Fields(s), " ")
	}
	return s
}

// filler words carry no information in a support request, in the
// languages Baton ships with.
var filler = map[string]bool{
	"hi": true, "hello": true, "hey": true, "ok": true, "okay": true, "yes": true, "no": true,
	"thanks": true, "thank": true, "you": true, "please": true, "the": true, "and": true,
	"ciao": true, "salve": true, "buongiorno": true, "grazie": true, "sì": true, "si": true,
	"hola": true, "gracias": true, "olá": true, "ola": true, "obrigado": true, "obrigada": true,
	"bonjour": true, "merci": true, "oui": true, "non": true, "hallo": true, "danke": true, "ja": true, "nein": true,
}

// informativeness scores a message: content words count, numbers (order
// codes, amounts) and questions weigh more.
func informativeness(t string) int {
	score := 0
	lower := strings.ToLower(t)
	for lower != "" {
		// The next word: a run of letters and digits.
		start := strings.IndexFunc(lower, isWordRune)
		if start < 0 {
			break
		}
		lower = lower[start:]
		end := strings.IndexFunc(lower, notWordRune)
		if end < 0 {
			end = len(lower)
		}
		w := lower[:end]
		lower = lower[end:]
		if filler[w] || utf8.RuneCountInString(w) < 3 {
			continue
		}
		score++
		if strings.IndexFunc(w, unicode.IsDigit) >= 0 {
			score += 3
		}
	}
	if strings.Contains(t, "?") {
		score += 2
	}
	return min(score, 20)
}

func isWordRune(r rune) bool  { return unicode.IsLetter(r) || unicode.IsDigit(r) }
func notWordRune(r rune) bool { return !isWordRune(r) }

// choices lists the menu options the customer picked, in order.
func choices(msgs []flows.Message) []string {
	var out []string
	for _, m := range msgs {
		if m.From == flows.RoleUser && strings.TrimSpace(m.Choice) != "" {
			out = append(out, clip(strings.TrimSpace(m.Choice), 40))
		}
	}
	if len(out) > 4 {
		out = append([]string{"…"}, out[len(out)-3:]...)
	}
	return out
}

// keyVars lists up to n set variables (scalars, and lists as their items
// joined: AgentVars) as "name value": first those
// whose value the customer wrote, as whole words (what they gave the bot;
// not a value of the bot's own found inside their words), then the others
// by name. A variable that repeats the handoff's reason, team or priority
// is left out: the summary and the ticket say those already.
func keyVars(h *flows.Handoff, n int) []string {
	said, heard := "", false // what the customer wrote, as words, once needed
	type kv struct {
		name, value string
		given       bool
	}
	var list []kv
	for _, v := range AgentVars(h.Vars) {
		if repeatsHandoff(h, v) {
			continue
		}
		val := strings.Join(strings.Fields(v.Value), " ")
		w := words(val)
		given := false
		if utf8.RuneCountInString(w) >= 4 {
			if !heard {
				said, heard = words(userText(h.Transcript)), true
			}
			given = strings.Contains(said, w)
		}
		list = append(list, kv{v.Name, val, given})
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].given && !list[j].given })
	var out []string
	for _, v := range list {
		out = append(out, strings.ReplaceAll(v.name, "_", " ")+" "+clip(v.value, 60))
		if len(out) == n {
			break
		}
	}
	return out
}

// repeatsHandoff reports whether v is the handoff's own reason, team or
// priority kept in a variable of that name.
func repeatsHandoff(h *flows.Handoff, v Var) bool {
	switch v.Name {
	case "reason":
		return v.Value == h.Reason
	case "team":
		return v.Value == h.Team
	case "priority":
		return v.Value == string(h.Priority)
	}
	return false
}

// words is s lower-cased as its words (runs of letters and digits), each
// between spaces: a value is in what the customer wrote when its words
// are there in a row, not inside other words ("ok" is not in "booked").
func words(s string) string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(f) == 0 {
		return ""
	}
	return " " + strings.Join(f, " ") + " "
}

// userText is everything the customer wrote, one message a line.
func userText(msgs []flows.Message) string {
	var b strings.Builder
	for _, m := range msgs {
		if m.From == flows.RoleUser {
			b.WriteString(m.Text)
			b.WriteByte('\n')
		}
	}
	return b.String()
}
