package handoff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
)

// renderOptions say how a ticket's content is rendered.
type renderOptions struct {
	mask         bool
	linkTemplate string
	location     *time.Location
	// teams holds each team's time zone (its hours'), for its tickets.
	teams map[string]*time.Location
	// clear lists the variables shown as they are even with masking: the
	// ones mapped into custom fields, unless their field is masked.
	clear map[string]bool
}

// forTeam is ro with the team's time zone, when it has one.
func (ro renderOptions) forTeam(team string) renderOptions {
	if loc := ro.teams[team]; loc != nil {
		ro.location = loc
	}
	return ro
}

// TranscriptHTML renders what a ticket shows an agent: the summary on top,
// then the reason, channel, link back to the conversation, the last NLU
// signals, the variables the bot collected and the whole transcript with
// timestamps (a menu choice shows the option chosen). Every value is
// HTML-escaped. It honours WithMasking, WithConversationURL and
// WithLocation; other options are ignored.
func TranscriptHTML(h *flows.Handoff, opts ...ConnectorOption) (string, error) {
	return renderHTML(h, buildOptions(opts).render)
}

// view is the data the ticket template renders.
type view struct {
	Summary string
	// ByModel marks a summary a language model wrote.
	ByModel  bool
	Reason   string
	Channel  string
	Contact  string
	Flow     string
	State    string
	Priority string
	Team     string
	Language string
	Created  string
	Link     string
	NoMatch  int
	InHours  bool
	Signals  []string
	Vars     []kv
	Messages []line
	Masked   bool
}

type kv struct{ Key, Value string }

type line struct {
	At, Who, Text, Choice string
	Role                  string
	// Options are the menu options a bot message showed, numbered.
	Options []string
	// Lines is Text split at line breaks, rendered with <br>.
	Lines []string
}

var ticketTemplate = template.Must(template.New("ticket").Parse(`<h3>Summary</h3>
<p>{{.Summary}}{{if .ByModel}} <small><em>(summary written by a model)</em></small>{{end}}</p>
<ul>
<li><strong>Reason:</strong> {{.Reason}}</li>
<li><strong>Customer:</strong> {{.Contact}}</li>
<li><strong>Channel:</strong> {{.Channel}}</li>
<li><strong>Priority:</strong> {{.Priority}}{{if .Team}} · <strong>Team:</strong> {{.Team}}{{end}}{{if not .InHours}} · outside business hours{{end}}</li>
<li><strong>Bot:</strong> {{.Flow}} · state {{.State}}{{if .NoMatch}} · {{.NoMatch}} message(s) not understood in a row{{end}}</li>
{{- if .Language}}
<li><strong>Language:</strong> {{.Language}}</li>
{{- end}}
{{- if .Signals}}
<li><strong>Last message analysis:</strong> {{range $i, $s := .Signals}}{{if $i}}, {{end}}{{$s}}{{end}}</li>
{{- end}}
<li><strong>Handed off:</strong> {{.Created}}</li>
{{- if .Link}}
<li><a href="{{.Link}}">Open the conversation in Baton</a></li>
{{- end}}
</ul>
{{- if .Vars}}
<h3>Collected by the bot</h3>
<table>
{{- range .Vars}}
<tr><td><strong>{{.Key}}</strong></td><td>{{.Value}}</td></tr>
{{- end}}
</table>
{{- end}}
<h3>Conversation</h3>
{{- range .Messages}}
<p><small>{{.At}}</small> <strong>{{.Who}}:</strong> {{if .Choice}}<em>chose</em> “{{.Choice}}”{{if .Text}} <small>(typed “{{.Text}}”)</small>{{end}}{{else}}{{range $i, $l := .Lines}}{{if $i}}<br>{{end}}{{$l}}{{end}}{{end}}{{if .Options}}<br><small>Options shown: {{range $i, $o := .Options}}{{if $i}} · {{end}}{{$o}}{{end}}</small>{{end}}</p>
{{- else}}
<p><em>No messages.</em></p>
{{- end}}
{{- if .Masked}}
<p><small>Personal data (e-mail addresses, phone numbers, order codes) was masked by Baton.</small></p>
{{- end}}
`))

var messageTemplate = template.Must(template.New("message").Parse(
	`<p><small>{{.At}}</small> <strong>{{.Who}}:</strong> {{if .Choice}}<em>chose</em> “{{.Choice}}”{{if .Text}} <small>(typed “{{.Text}}”)</small>{{end}}{{else}}{{range $i, $l := .Lines}}{{if $i}}<br>{{end}}{{$l}}{{end}}{{end}}</p>`))

func renderHTML(h *flows.Handoff, ro renderOptions) (string, error) {
	if h == nil {
		return "", fmt.Errorf("no handoff to render")
	}
	ro = ro.forTeam(h.Team)
	v := view{
		Summary:  ticketSummary(h, ro.mask),
		ByModel:  h.SummaryBy == flows.SummaryByModel && strings.TrimSpace(h.Summary) != "",
		Reason:   orDash(h.Reason),
		Channel:  orDash(channelName(h.Channel)),
		Contact:  contactLabel(h.Contact),
		Flow:     orDash(h.Flow),
		State:    orDash(h.State),
		Priority: string(priorityOf(h)),
		Team:     h.Team,
		Language: h.Language,
		Created:  formatTime(h.CreatedAt, ro.location),
		Link:     conversationLink(h, ro.linkTemplate),
		NoMatch:  h.NoMatch,
		InHours:  h.InHours,
		Signals:  signalList(h.Signals, ro.mask),
		Vars:     varList(h.Vars, ro),
		Masked:   ro.mask,
	}
	for _, m := range h.Transcript {
		v.Messages = append(v.Messages, lineOf(m, h.Contact, ro))
	}
	var b bytes.Buffer
	if err := ticketTemplate.Execute(&b, v); err != nil {
		return "", fmt.Errorf("render ticket: %w", err)
	}
	return b.String(), nil
}

// messageHTML renders one later message for an append.
func messageHTML(m flows.Message, c flows.Contact, ro renderOptions) (string, error) {
	var b bytes.Buffer
	if err := messageTemplate.Execute(&b, lineOf(m, c, ro)); err != nil {
		return "", fmt.Errorf("render message: %w", err)
	}
	return b.String(), nil
}

// messageText renders one later message as plain text.
func messageText(m flows.Message, c flows.Contact, ro renderOptions) string {
	l := lineOf(m, c, ro)
	text := l.Text
	if l.Choice != "" {
		text = "chose “" + l.Choice + "”"
		if l.Text != "" {
			text += " (typed “" + l.Text + "”)"
		}
	}
	return l.At + " " + l.Who + ": " + text
}

func lineOf(m flows.Message, c flows.Contact, ro renderOptions) line {
	text, choice := m.Text, m.Choice
	if ro.mask {
		text, choice = flows.MaskPII(text), flows.MaskPII(choice)
	}
	if choice != "" && strings.EqualFold(strings.TrimSpace(text), strings.TrimSpace(choice)) {
		text = "" // tapping a button sends its title: say it once
	}
	l := line{At: formatTime(m.At, ro.location), Who: who(m, c), Text: text, Choice: choice, Role: string(m.From),
		Lines: strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")}
	for i, o := range m.Options {
		l.Options = append(l.Options, strconv.Itoa(i+1)+". "+o)
	}
	return l
}

func who(m flows.Message, c flows.Contact) string {
	switch m.From {
	case flows.RoleUser:
		if c.Name != "" {
			return c.Name
		}
		return "Customer"
	case flows.RoleBot:
		return "Bot"
	case flows.RoleAgent:
		if m.Agent != "" {
			return m.Agent + " (agent)"
		}
		return "Agent"
	case flows.RoleSystem:
		return "System"
	}
	if m.From == "" {
		return "Unknown"
	}
	return string(m.From)
}

func formatTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04:05 MST")
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

func contactLabel(c flows.Contact) string {
	var parts []string
	if c.Name != "" {
		parts = append(parts, c.Name)
	}
	if c.Phone != "" {
		parts = append(parts, c.Phone)
	}
	if c.Email != "" {
		parts = append(parts, c.Email)
	}
	if len(parts) == 0 {
		return orDash(c.ID)
	}
	return strings.Join(parts, " · ")
}

// channelName is the channel as people write it.
func channelName(ch string) string {
	switch strings.ToLower(ch) {
	case "whatsapp":
		return "WhatsApp"
	case "telegram":
		return "Telegram"
	case "web":
		return "Web chat"
	case "sandbox":
		return "Sandbox"
	}
	return ch
}

func priorityOf(h *flows.Handoff) flows.Priority {
	if h.Priority.Valid() {
		return h.Priority
	}
	return flows.PriorityNormal
}

// conversationLink fills the link template; it returns "" when there is no
// template or the result is not an http(s) URL.
func conversationLink(h *flows.Handoff, tmpl string) string {
	if tmpl == "" {
		return ""
	}
	s := strings.NewReplacer(
		"{conversation_id}", url.PathEscape(h.ConversationID),
		"{handoff_id}", url.PathEscape(h.ID),
	).Replace(tmpl)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return s
}

func signalList(s *flows.Signals, mask bool) []string {
	if s == nil {
		return nil
	}
	var out []string
	if s.Intent != "" {
		out = append(out, fmt.Sprintf("intent %s (%.0f%%)", s.Intent, s.Confidence*100))
	}
	if s.WantsHuman {
		out = append(out, "asked for a human")
	}
	switch {
	case s.Frustrated && s.Frustration > 0 && s.Frustration < 1:
		out = append(out, "frustrated ("+strconv.FormatFloat(s.Frustration, 'f', 2, 64)+")")
	case s.Frustrated:
		out = append(out, "frustrated")
	case s.Frustration >= 0.01:
		// Below the analyser's verdict: a flow may still hand off on it.
		out = append(out, "frustration "+strconv.FormatFloat(s.Frustration, 'f', 2, 64))
	}
	if s.Sentiment != 0 {
		out = append(out, "sentiment "+strconv.FormatFloat(s.Sentiment, 'f', 2, 64))
	}
	if s.Language != "" {
		out = append(out, "language "+s.Language)
	}
	kinds := make([]string, 0, len(s.Entities))
	for k := range s.Entities {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		vals := s.Entities[k]
		if len(vals) == 0 {
			continue
		}
		v := strings.Join(vals, ", ")
		if mask {
			v = flows.MaskPII(v)
		}
		out = append(out, k+": "+v)
	}
	return out
}

// varList lists the variables an agent can use, by name, values as text:
// not the unset ones (empty, zero, false: a flow's defaults), not the
// internal ones (a name starting with "_", structured values such as an
// HTTP call's raw result). With masking, values are masked but those
// mapped into custom fields (WithCustomFields), unless their field is
// masked (WithMaskedFields): the flow collected them for the agent.
func varList(vars map[string]any, ro renderOptions) []kv {
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []kv
	for _, k := range keys {
		v, ok := agentValue(k, vars[k])
		if !ok {
			continue
		}
		if ro.mask && !ro.clear[k] {
			v = flows.MaskPII(v)
		}
		out = append(out, kv{k, v})
	}
	return out
}

// agentValue formats a variable for an agent; false when it is unset or
// internal (see varList).
func agentValue(name string, v any) (string, bool) {
	if strings.HasPrefix(name, "_") {
		return "", false
	}
	switch x := v.(type) {
	case bool:
		if !x {
			return "", false
		}
	case float64:
		if x == 0 {
			return "", false
		}
	case int:
		if x == 0 {
			return "", false
		}
	case int64:
		if x == 0 {
			return "", false
		}
	case map[string]any:
		return "", false
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := agentValue("", e)
			if !ok {
				if _, isMap := e.(map[string]any); isMap {
					return "", false
				}
				continue
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ", "), len(parts) > 0
	}
	return formatValue(v)
}

// formatValue renders a variable; false for unset and empty values.
func formatValue(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, strings.TrimSpace(x) != ""
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case time.Time:
		return x.Format(time.RFC3339), !x.IsZero()
	case fmt.Stringer:
		return x.String(), true
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v), true
	}
	s := string(b)
	return s, s != "{}" && s != "[]" && s != "null" && s != `""`
}

// maskedCopy returns h with the transcript, variables, signals' entities
// and summary masked (when mask is set) and the summary filled; h itself
// is not modified.
func maskedCopy(h *flows.Handoff, mask bool) *flows.Handoff {
	c := *h
	c.Summary = ticketSummary(h, mask)
	if !mask {
		return &c
	}
	c.Transcript = make([]flows.Message, len(h.Transcript))
	for i, m := range h.Transcript {
		m.Text = flows.MaskPII(m.Text)
		m.Choice = flows.MaskPII(m.Choice)
		c.Transcript[i] = m
	}
	c.Vars = make(map[string]any, len(h.Vars))
	for k, v := range h.Vars {
		c.Vars[k] = maskValue(v)
	}
	if h.Signals != nil {
		s := *h.Signals
		if len(s.Entities) > 0 {
			s.Entities = make(map[string][]string, len(h.Signals.Entities))
			for k, vs := range h.Signals.Entities {
				masked := make([]string, len(vs))
				for i, v := range vs {
					masked[i] = flows.MaskPII(v)
				}
				s.Entities[k] = masked
			}
		}
		c.Signals = &s
	}
	return &c
}

func maskValue(v any) any {
	switch x := v.(type) {
	case string:
		return flows.MaskPII(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = maskValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = maskValue(e)
		}
		return out
	case nil, bool, float64, int, int64:
		return v
	}
	s, _ := formatValue(v)
	return flows.MaskPII(s)
}

// subject is the ticket's subject line: channel, who, and why.
func subject(h *flows.Handoff, mask bool) string {
	who := h.Contact.Name
	if who == "" {
		who = h.Contact.Phone
	}
	if who == "" {
		who = h.Contact.ID
	}
	if mask {
		who = flows.MaskPII(who)
	}
	reason := strings.ReplaceAll(strings.TrimSpace(h.Reason), "_", " ")
	if reason == "" {
		reason = "needs a human"
	}
	ch := channelName(h.Channel)
	if ch == "" {
		ch = "Chat"
	}
	s := ch + ": " + reason
	if who != "" {
		s += " — " + who
	}
	return clip(strings.Join(strings.Fields(s), " "), 150)
}

// batchText renders the messages of one ticket update as plain text, one
// line each ("2026-03-03 10:31:02 CET Anna: hello?"), then the lines of
// extra (attachments not added), then the marker footer.
func batchText(msgs []flows.TicketMessage, c flows.Contact, ro renderOptions, extra ...string) string {
	var b strings.Builder
	for i, m := range msgs {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(messageText(m.Message, c, ro))
	}
	for _, l := range extra {
		b.WriteString("\n" + l)
	}
	if f := markerFooter(msgs); f != "" {
		b.WriteString("\n\n" + f)
	}
	return b.String()
}

// batchHTML renders the messages of one ticket update as HTML, then the
// marker footer in small print.
func batchHTML(msgs []flows.TicketMessage, c flows.Contact, ro renderOptions, extra ...string) (string, error) {
	var b strings.Builder
	for _, m := range msgs {
		h, err := messageHTML(m.Message, c, ro)
		if err != nil {
			return "", err
		}
		b.WriteString(h)
	}
	for _, l := range extra {
		b.WriteString("<p><em>" + template.HTMLEscapeString(l) + "</em></p>")
	}
	if f := markerFooter(msgs); f != "" {
		b.WriteString("<p><small>" + template.HTMLEscapeString(f) + "</small></p>")
	}
	return b.String(), nil
}
