package convtest

// Parsing one step of a conversation test: its input and its checks.

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/batonbot/baton/flows"
)

type textMatcher struct {
	how string // exact, contains, regex
	s   string
	re  *regexp.Regexp
}

func (m textMatcher) match(text string) bool {
	switch m.how {
	case "contains":
		return strings.Contains(text, m.s)
	case "regex":
		return m.re.MatchString(text)
	}
	return text == m.s
}

func (m textMatcher) String() string {
	if m.how == "exact" {
		return strconv.Quote(m.s)
	}
	return m.how + " " + strconv.Quote(m.s)
}

type botCheck struct {
	want []textMatcher // empty: no reply at all
}

type handoffCheck struct {
	none                   bool
	reason, team, priority *string
	tags                   []string
	vars                   map[string]any
	transcript             []string
}

type httpCheck struct {
	method, url string
	body        any
	hasBody     bool
}

func (p *testParser) step(n *yaml.Node) *Step {
	st := &Step{Pos: p.pos(n)}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "a step must be a mapping with one of %s", strings.Join(inputKeys, ", "))
		return st
	}
	p.fields(n, "a step", stepKeys, func(key string, k, v *yaml.Node) {
		if !slices.Contains(inputKeys, key) {
			if st.checkPos == nil {
				st.checkPos = map[string]flows.Pos{}
			}
			st.checkPos[key] = p.pos(k)
		}
		if slices.Contains(inputKeys, key) {
			if st.Kind != "" {
				p.errorf(k, "a step does one thing: it has both %s and %s; split it in two steps", st.Kind, key)
				return
			}
			st.Kind = key
			if key == "media" {
				st.Media = p.media(v)
				st.Value = st.Media.Describe()
			} else {
				st.Value = p.str(v, key)
			}
		}
		switch key {
		case "wait":
			d, err := time.ParseDuration(st.Value)
			if err != nil || d <= 0 {
				p.errorf(v, "wait: %q is not a duration; write it like 30s, 10m, 24h or 1h30m", v.Value)
			}
			st.Wait = d
		case "after":
			d, err := time.ParseDuration(p.str(v, "after"))
			if err != nil || d <= 0 {
				p.errorf(v, "after: %q is not a duration; write the time that passes before the step like 30s, 10m or 1h30m", v.Value)
			}
			st.After = d
		case "close":
			var b bool
			if v.Kind == yaml.ScalarNode && v.Value != "true" && (v.Decode(&b) != nil || !b) {
				p.errorf(v, "close must be true (the customer closes the conversation), not %q", v.Value)
			}
		case "ticket":
			if !flows.TicketStatus(st.Value).Known() {
				p.errorf(v, "ticket: %q is not a ticket status; use %s", v.Value, flows.TicketStatuses)
			}
		case "bot":
			st.bot = p.bot(v)
		case "options":
			st.optionsOK = true
			if v.Kind != yaml.SequenceNode {
				p.errorf(v, "options must be a list of option titles, in order")
				return
			}
			st.options = []string{}
			for _, o := range v.Content {
				st.options = append(st.options, p.str(o, "an option title"))
			}
		case "state":
			st.state = p.str(v, "state")
		case "vars":
			st.vars, st.varPos = p.varsMap(v, "vars")
		case "no_match":
			nm, err := strconv.Atoi(v.Value)
			if err != nil || v.Kind != yaml.ScalarNode {
				p.errorf(v, "no_match must be a number (the consecutive no-match count)")
			}
			st.noMatch = &nm
		case "handoff":
			st.handoff = p.handoff(v)
		case "http":
			st.http = p.httpChecks(v)
		case "events":
			if v.Kind != yaml.SequenceNode {
				p.errorf(v, "events must be a list of events, each a subset of its fields, like {type: trigger, name: asks_for_human}")
				return
			}
			for _, en := range v.Content {
				m, ok := p.value(en).(map[string]any)
				if !ok {
					p.errorf(en, "an event must be a mapping of its fields, like {type: state, to: welcome}")
					continue
				}
				st.events = append(st.events, m)
			}
		case "lifecycle":
			st.lifecycle = p.str(v, "lifecycle")
			switch flows.Lifecycle(st.lifecycle) {
			case flows.LifecycleBot, flows.LifecycleHandedOff, flows.LifecycleWithAgent, flows.LifecycleClosed:
			default:
				p.errorf(v, "lifecycle: %q is not a lifecycle; use bot, handed_off, with_agent or closed", v.Value)
			}
		case "ended":
			var b bool
			if err := v.Decode(&b); err != nil {
				p.errorf(v, "ended must be true or false")
			}
			st.ended = &b
		case "route":
			st.route = p.routeCheck(v)
		case "requests":
			st.requests, st.requestsOK = p.requestChecks(v), true
		}
	})
	if st.Kind == "" && !mistypedInput(n) {
		p.errorf(n, "a step needs one of %s (what happens in it)", strings.Join(inputKeys, ", "))
	}
	return st
}

func (p *testParser) matcher(n *yaml.Node) (textMatcher, bool) {
	if n.Kind == yaml.ScalarNode {
		return textMatcher{how: "exact", s: n.Value}, true
	}
	var m textMatcher
	ok := false
	p.fields(n, "a reply check", []string{"exact", "contains", "regex"}, func(key string, _, v *yaml.Node) {
		if ok {
			p.errorf(v, "a reply check has one of exact, contains or regex")
			return
		}
		m = textMatcher{how: key, s: p.str(v, key)}
		ok = true
		if key == "regex" {
			re, err := regexp.Compile(m.s)
			if err != nil {
				p.errorf(v, "regex: %v", err)
				ok = false
				return
			}
			m.re = re
		}
	})
	if n.Kind == yaml.MappingNode && !ok && len(n.Content) == 0 {
		p.errorf(n, "a reply check needs exact:, contains: or regex:")
	}
	return m, ok
}

func (p *testParser) bot(n *yaml.Node) *botCheck {
	b := &botCheck{}
	if n.Kind == yaml.SequenceNode {
		for _, e := range n.Content {
			if m, ok := p.matcher(e); ok {
				b.want = append(b.want, m)
			}
		}
		return b
	}
	if m, ok := p.matcher(n); ok {
		b.want = append(b.want, m)
	}
	return b
}

func (p *testParser) handoff(n *yaml.Node) *handoffCheck {
	h := &handoffCheck{}
	if n.Kind == yaml.ScalarNode {
		var b bool
		if err := n.Decode(&b); err != nil {
			p.errorf(n, "handoff must be false (none in this step), true, or the expected fields {reason, team, priority, tags, vars, transcript_contains}")
		}
		h.none = !b
		return h
	}
	p.fields(n, "handoff", []string{"reason", "team", "priority", "tags", "vars", "transcript_contains"}, func(key string, _, v *yaml.Node) {
		switch key {
		case "reason":
			h.reason = p.strPtr(v, key)
		case "team":
			h.team = p.strPtr(v, key)
		case "priority":
			h.priority = p.strPtr(v, key)
		case "tags":
			h.tags = p.strList(v, "tags")
		case "vars":
			h.vars, _ = p.varsMap(v, "handoff vars")
		case "transcript_contains":
			h.transcript = p.strList(v, "transcript_contains")
		}
	})
	return h
}

// strList reads a text or a list of texts.
func (p *testParser) strList(n *yaml.Node, what string) []string {
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "%s must be a text or a list of texts", what)
		return nil
	}
	var out []string
	for _, e := range n.Content {
		out = append(out, p.str(e, what))
	}
	return out
}

func (p *testParser) httpChecks(n *yaml.Node) []httpCheck {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "http must be a list of expected requests ({method, url, body})")
		return nil
	}
	var out []httpCheck
	for _, e := range n.Content {
		var c httpCheck
		p.fields(e, "an expected http request", []string{"method", "url", "body"}, func(key string, _, v *yaml.Node) {
			switch key {
			case "method":
				c.method = strings.ToUpper(p.str(v, "method"))
			case "url":
				c.url = p.str(v, "url")
			case "body":
				c.body, c.hasBody = p.value(v), true
			}
		})
		out = append(out, c)
	}
	return out
}

// mistypedInput reports whether a step has an unknown key that reads as a
// typo of an input key ("usr:"): its "did you mean" is the error to fix.
func mistypedInput(n *yaml.Node) bool {
	if n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if !slices.Contains(stepKeys, k) && slices.Contains(inputKeys, flows.Suggest(k, stepKeys)) {
			return true
		}
	}
	return false
}
