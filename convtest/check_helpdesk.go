package convtest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/sandbox"
)

// The helpdesk checks of a test step (docs/testing.md): route: (the
// Router's decision) and requests: (what the connectors would send), both
// needing a config: in the test file.

type routeCheck struct {
	none                                  bool
	team, agent, priority, connector, sla *string
	inHours, openTicket                   *bool
	tags                                  []string
	// pos is where each field is, tagPos each tag, for their failures.
	pos    map[string]flows.Pos
	tagPos []flows.Pos
}

type requestCheck struct {
	connector, op, method string
	path, url             *textMatcher
	headers               map[string]textMatcher
	body                  any
	hasBody               bool
	// bodyContains are texts the body must contain (as sent, JSON-escaped
	// texts decoded).
	bodyContains []string
}

func (p *testParser) routeCheck(n *yaml.Node) *routeCheck {
	r := &routeCheck{}
	if n.Kind == yaml.ScalarNode {
		var b bool
		if err := n.Decode(&b); err != nil || b {
			p.errorf(n, "route must be false (no handoff routed in this step) or the expected fields {team, agent, priority, connector, sla, in_hours, open_ticket, tags}")
		}
		r.none = true
		return r
	}
	r.pos = map[string]flows.Pos{}
	p.fields(n, "route", []string{"team", "agent", "priority", "connector", "sla", "in_hours", "open_ticket", "tags"}, func(key string, k, v *yaml.Node) {
		r.pos[key] = p.pos(k)
		switch key {
		case "team":
			r.team = p.strPtr(v, key)
		case "agent":
			r.agent = p.strPtr(v, key)
		case "priority":
			r.priority = p.strPtr(v, key)
		case "connector":
			r.connector = p.strPtr(v, key)
		case "sla":
			r.sla = p.strPtr(v, key)
		case "in_hours", "open_ticket":
			var b bool
			if err := v.Decode(&b); err != nil {
				p.errorf(v, "%s must be true or false", key)
			}
			if key == "in_hours" {
				r.inHours = &b
			} else {
				r.openTicket = &b
			}
		case "tags":
			r.tags = p.strList(v, "route tags")
			if v.Kind == yaml.SequenceNode && len(v.Content) == len(r.tags) {
				for _, e := range v.Content {
					r.tagPos = append(r.tagPos, p.pos(e))
				}
			}
		}
	})
	return r
}

func (p *testParser) requestChecks(n *yaml.Node) []requestCheck {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "requests must be a list of expected helpdesk requests ({connector, op, method, path, headers, body}); [] means none")
		return nil
	}
	var out []requestCheck
	for _, e := range n.Content {
		var c requestCheck
		p.fields(e, "an expected helpdesk request", []string{"connector", "op", "method", "path", "url", "headers", "body", "body_contains"}, func(key string, _, v *yaml.Node) {
			switch key {
			case "connector":
				c.connector = p.str(v, key)
			case "op":
				c.op = p.str(v, key)
			case "method":
				c.method = strings.ToUpper(p.str(v, key))
			case "path", "url":
				if m, ok := p.matcher(v); ok {
					if key == "path" {
						c.path = &m
					} else {
						c.url = &m
					}
				}
			case "headers":
				if v.Kind != yaml.MappingNode {
					p.errorf(v, "headers must be a mapping of header names to values (a text, or {contains: s} or {regex: r})")
					return
				}
				c.headers = map[string]textMatcher{}
				for i := 0; i+1 < len(v.Content); i += 2 {
					if m, ok := p.matcher(v.Content[i+1]); ok {
						c.headers[http.CanonicalHeaderKey(v.Content[i].Value)] = m
					}
				}
			case "body":
				c.body, c.hasBody = p.value(v), true
			case "body_contains":
				c.bodyContains = p.strList(v, "body_contains")
			}
		})
		out = append(out, c)
	}
	return out
}

// checkHelpdesk runs the route: and requests: checks of st, reporting
// each failure at its entry (pos, zero for none) or its check's key.
func checkHelpdesk(st *Step, res *sandbox.Step, report func(pos flows.Pos, key, msg string)) {
	var routes []sandbox.RouteEvent
	var reqs []sandbox.HelpdeskRequest
	for _, ev := range res.Events {
		switch e := ev.Effect.(type) {
		case sandbox.RouteEvent:
			routes = append(routes, e)
		case sandbox.HelpdeskRequest:
			reqs = append(reqs, e)
		}
	}
	if st.route != nil {
		fails, decision := checkRoute(st.route, routes)
		if len(fails) > 0 {
			// The decision goes with the last failure in the file.
			last := 0
			for i, f := range fails {
				if f.pos.Line > fails[last].pos.Line || (f.pos.Line == fails[last].pos.Line && f.pos.Col > fails[last].pos.Col) {
					last = i
				}
			}
			fails[last].msg += decision
		}
		for _, f := range fails {
			report(f.pos, "route", f.msg)
		}
	}
	if st.requestsOK {
		if msg := checkRequests(st.requests, reqs); msg != "" {
			report(flows.Pos{}, "requests", msg)
		}
	}
}

// checkRoute returns the failures of the route: check w, each at its
// field or tag (zero: at route:), and the decision to show with them.
func checkRoute(w *routeCheck, got []sandbox.RouteEvent) ([]keyedFail, string) {
	if w.none {
		if len(got) == 0 {
			return nil, ""
		}
		return []keyedFail{{msg: fmt.Sprintf("route: expected no routed handoff, got one to team %q via %s", got[0].Team, got[0].Connector)}}, ""
	}
	if len(got) == 0 {
		return []keyedFail{{msg: "route: expected a routed handoff in this step, there was none (is config: set in the test file?)"}}, ""
	}
	g := got[len(got)-1]
	var fails []keyedFail
	field := func(name string, want *string, got string) {
		if want != nil && *want != got {
			fails = append(fails, keyedFail{w.pos[name], fmt.Sprintf("route %s: expected %q, got %q", name, *want, got)})
		}
	}
	flag := func(name string, want *bool, got bool) {
		if want != nil && *want != got {
			fails = append(fails, keyedFail{w.pos[name], fmt.Sprintf("route %s: expected %t, got %t", name, *want, got)})
		}
	}
	field("team", w.team, g.Team)
	field("agent", w.agent, g.Agent)
	field("priority", w.priority, string(g.Priority))
	field("connector", w.connector, g.Connector)
	field("sla", w.sla, g.SLA)
	flag("in_hours", w.inHours, g.InHours)
	flag("open_ticket", w.openTicket, g.OpenTicket)
	for i, t := range w.tags {
		if !slices.Contains(g.Tags, t) {
			pos := w.pos["tags"]
			if i < len(w.tagPos) {
				pos = w.tagPos[i]
			}
			fails = append(fails, keyedFail{pos, fmt.Sprintf("route tags: expected %q among %s", t, quoteList(g.Tags))})
		}
	}
	if len(fails) == 0 {
		return nil, ""
	}
	b, _ := json.Marshal(g)
	return fails, "\nthe decision: " + string(b)
}

// checkRequests matches the step's helpdesk requests one to one, in
// order: each expected request is a subset of the one sent at its place,
// and none more was sent (a second ticket is a failure). An empty list
// means none at all.
func checkRequests(want []requestCheck, got []sandbox.HelpdeskRequest) string {
	list := func() string {
		if len(got) == 0 {
			return "none"
		}
		lines := make([]string, len(got))
		for i, r := range got {
			lines[i] = fmt.Sprintf("%d. %s %s: %s %s", i+1, r.Connector, r.Op, r.Method, r.Path)
		}
		return "\n" + indent(strings.Join(lines, "\n"), "  ")
	}
	for i, w := range want {
		if i == len(got) {
			sent := "were"
			if len(got) == 1 {
				sent = "was"
			}
			return fmt.Sprintf("requests: expected %s as request %d, but only %s %s sent; helpdesk requests in this step: %s",
				w, i+1, flows.Plural(len(got), "request"), sent, list())
		}
		if why := w.mismatch(got[i]); why != "" {
			return fmt.Sprintf("requests: request %d (%s %s: %s %s) differs from %s: %s", i+1, got[i].Connector, got[i].Op, got[i].Method, got[i].Path, w, why)
		}
	}
	if len(got) > len(want) {
		if len(want) == 0 {
			return "requests: expected no helpdesk request, got:" + list()
		}
		return fmt.Sprintf("requests: expected %s, got %d; helpdesk requests in this step: %s", flows.Plural(len(want), "request"), len(got), list())
	}
	return ""
}

// mismatch says what of r differs from w, "" when r matches.
func (w requestCheck) mismatch(r sandbox.HelpdeskRequest) string {
	switch {
	case w.connector != "" && w.connector != r.Connector:
		return "connector " + r.Connector
	case w.op != "" && w.op != r.Op:
		return "op " + r.Op
	case w.method != "" && !strings.EqualFold(w.method, r.Method):
		return "method " + r.Method
	case w.path != nil && !w.path.match(r.Path):
		return "path " + r.Path
	case w.url != nil && !w.url.match(r.URL):
		return "url " + r.URL
	}
	for _, name := range slices.Sorted(maps.Keys(w.headers)) {
		m := w.headers[name]
		v, ok := headerValue(r.Headers, name)
		if !ok {
			return "no header " + name
		}
		if !m.match(v) {
			return fmt.Sprintf("header %s is %q, expected %s", name, v, m)
		}
	}
	var body any
	switch b := r.Body.(type) {
	case json.RawMessage:
		_ = json.Unmarshal(b, &body)
	default:
		body = b
	}
	if w.hasBody && !subset(w.body, body) {
		return "the body is not ⊇ " + compactJSON(w.body) + "; it is " + compactJSON(clipJSON(body))
	}
	if len(w.bodyContains) > 0 {
		texts := bodyTexts(body)
		for _, want := range w.bodyContains {
			if !strings.Contains(texts, want) {
				return fmt.Sprintf("the body does not contain %q", want)
			}
		}
	}
	return ""
}

// bodyTexts is every text and key of a decoded body, one a line, so that
// body_contains finds a text whatever JSON escaped in it.
func bodyTexts(v any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				b.WriteString(k + "\n")
				walk(v[k])
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case string:
			b.WriteString(v + "\n")
		case nil:
		default:
			b.WriteString(compactJSON(v) + "\n")
		}
	}
	walk(v)
	return b.String()
}

// clipJSON shortens the long strings of a body for a failure message.
func clipJSON(v any) any { return sandbox.ShortenStrings(normJSON(v), 120) }

func headerValue(h map[string]string, name string) (string, bool) {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

func (w requestCheck) String() string {
	var parts []string
	if w.connector != "" {
		parts = append(parts, w.connector)
	}
	if w.op != "" {
		parts = append(parts, w.op+":")
	}
	parts = append(parts, orDefault(w.method, "(any method)"))
	if w.path != nil {
		parts = append(parts, w.path.String())
	}
	if w.url != nil {
		parts = append(parts, "url "+w.url.String())
	}
	s := strings.Join(parts, " ")
	if len(w.headers) > 0 {
		var hs []string
		for _, k := range slices.Sorted(maps.Keys(w.headers)) {
			hs = append(hs, k+" "+w.headers[k].String())
		}
		s += " with headers " + strings.Join(hs, ", ")
	}
	if w.hasBody {
		s += " with body ⊇ " + compactJSON(w.body)
	}
	if len(w.bodyContains) > 0 {
		s += " with body containing " + quoteList(w.bodyContains)
	}
	return s
}
