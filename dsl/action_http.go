package dsl

import (
	"regexp"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
	"go.yaml.in/yaml/v3"
)

var (
	httpKeys    = []string{"method", "url", "headers", "body", "timeout", "save_as", "sandbox"}
	cannedKeys  = []string{"when", "status", "body", "delay"}
	httpMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}
)

// DefaultHTTPTimeout is an HTTP action's timeout when it sets none and
// the host gives no other (baton serve's server.http_timeout): the
// compiled action keeps 0 then, so the host's default applies.
const DefaultHTTPTimeout = 10 * time.Second

// http converts an HTTP action.
func (l *loader) http(pos flows.Pos, n *yaml.Node) flows.Action {
	h := &flows.HTTP{Pos: pos, Method: "GET"}
	ps, ok := l.fields(n, "an http action", httpKeys)
	if !ok {
		return nil
	}
	if isNull(n) || !hasKey(ps, "url") {
		l.errorf(n, "an http action needs url:")
	}
	for _, p := range ps {
		switch resolve(p.key).Value {
		case "method":
			if s, ok := l.name(p.val, "an HTTP method"); ok {
				m := strings.ToUpper(s)
				if !contains(httpMethods, m) {
					l.errorf(p.val, "unknown HTTP method %q%s", s, suggestKey(m, httpMethods))
				}
				h.Method = m
			}
		case "url":
			h.URL = l.urlTemplate(p.val)
		case "headers":
			if rv := resolve(p.val); rv == nil || rv.Kind != yaml.MappingNode {
				l.errorf(p.val, "expected headers: a map from header name to value, got %s", describe(p.val))
				continue
			}
			h.Headers = map[string]*flows.Template{}
			for _, hp := range l.uniquePairs(resolve(p.val), "headers") {
				name, ok := l.name(hp.key, "a header name")
				if !ok {
					continue
				}
				if t := l.template(hp.val, "a header value"); t != nil {
					h.Headers[name] = t
				}
			}
		case "body":
			h.Body = l.jsonBody(p.val)
		case "timeout":
			if d, ok := l.duration(p.val, "timeout"); ok {
				h.Timeout = d
				if d > serveHTTPTimeout {
					l.warnAt(l.pos(p.val), "timeout %s is past the 2m baton serve allows an HTTP action (unless the deployment's server.http_timeout is longer): it is cut to that there, while the sandbox waits the whole %s; keep it at 2m or less", flows.FormatDuration(d), flows.FormatDuration(d))
				}
			}
		case "save_as":
			h.SaveAs = l.capture(p.val, map[string]any{}, "http")
		case "sandbox":
			items, _ := l.list(p.val, "a list of canned responses")
			for _, it := range items {
				if c := l.canned(it); c != nil {
					h.Sandbox = append(h.Sandbox, c)
				}
			}
		}
	}
	return h
}

// canned converts one sandbox response.
func (l *loader) canned(n *yaml.Node) *flows.CannedResponse {
	c := &flows.CannedResponse{Pos: l.pos(n), Status: 200}
	ps, ok := l.fields(n, "a canned response", cannedKeys)
	if !ok {
		return nil
	}
	for _, p := range ps {
		switch resolve(p.key).Value {
		case "when":
			c.When = l.expr(p.val, true, "when")
		case "status":
			if s, ok := l.integer(p.val, "an HTTP status"); ok {
				if s < 100 || s > 599 {
					l.errorf(p.val, "HTTP status %d is not between 100 and 599", s)
				}
				c.Status = s
			}
		case "body":
			c.Body = l.value(p.val)
		case "delay":
			c.Delay, _ = l.duration(p.val, "delay")
		}
	}
	return c
}

// duration parses 30s, 10m, 24h, 1h30m.
func (l *loader) duration(n *yaml.Node, what string) (time.Duration, bool) {
	rn := resolve(n)
	if rn == nil || rn.Kind != yaml.ScalarNode || isNull(rn) {
		l.errorf(n, "expected %s: a duration like 30s, 10m or 1h30m, got %s", what, describe(n))
		return 0, false
	}
	d, err := time.ParseDuration(rn.Value)
	if err != nil {
		hint := ""
		if rn.ShortTag() == "!!int" || rn.ShortTag() == "!!float" {
			hint = " (a number needs a unit: s, m or h)"
		}
		l.errorf(n, "bad duration %q for %s%s: write it like 30s, 10m, 24h or 1h30m", rn.Value, what, hint)
		return 0, false
	}
	if d <= 0 {
		l.errorf(n, "%s must be longer than zero, got %s", what, rn.Value)
		return 0, false
	}
	return d, true
}

// serveHTTPTimeout is the longest HTTP action timeout baton serve honours
// by default (host.MaxHTTPTimeout; dsl does not import host).
const serveHTTPTimeout = 2 * time.Minute

// urlTemplate converts an HTTP action's URL. The holes in its path and
// query are percent-encoded when the request is made (flows.URLEncode), so
// "?postcode={{ postcode }}" sends %20 for a space and a customer's "&"
// or "/" cannot change the request; holes before the path (the scheme and
// host, or "{{ base_url }}/orders") are left as they are.
func (l *loader) urlTemplate(n *yaml.Node) *flows.Template {
	t := l.template(n, "a URL")
	if t == nil {
		return nil
	}
	// The text before the first hole or ${NAME} holds the scheme: the
	// host calls http and https URLs only (a hole or ${NAME} may give them).
	if len(t.Parts) == 0 || t.Parts[0].Expr == nil && !strings.HasPrefix(t.Parts[0].Lit, "${") {
		lead := ""
		if len(t.Parts) > 0 {
			lead, _, _ = strings.Cut(t.Parts[0].Lit, "${")
		}
		if low := strings.ToLower(lead); !strings.HasPrefix(low, "http://") && !strings.HasPrefix(low, "https://") {
			written := lead
			if rn := resolve(n); rn != nil {
				written = rn.Value
			}
			l.errorf(n, "url %q does not start with https:// or http://, so it can never be called (the sandbox answers it, baton serve cannot); write the whole URL, e.g. https://api.example.com/orders/{{ order_id }}", written)
		}
	}
	var before strings.Builder
	for i := range t.Parts {
		p := &t.Parts[i]
		if p.Expr == nil {
			before.WriteString(p.Lit)
			continue
		}
		if !inPathOrQuery(before.String()) {
			before.WriteString("{{}}")
			continue
		}
		if src := strings.TrimSpace(p.Expr.Source); strings.HasPrefix(src, "urlencode(") && strings.HasSuffix(src, ")") {
			l.warnAt(p.Expr.Pos, "the holes of a URL's path and query are encoded already: urlencode() is not needed here")
			continue
		}
		p.Encode = true
		before.WriteString("{{}}")
	}
	return t
}

// inPathOrQuery reports whether text that follows prefix in a URL is in
// its path or query: after the host ("https://host/", "{{ base }}/"). The
// prefix's holes are written {{}}; they and ${NAME} references may stand
// for a scheme and host.
func inPathOrQuery(prefix string) bool {
	p := strings.ReplaceAll(envRef.ReplaceAllString(prefix, ""), "{{}}", "")
	if i := strings.Index(p, "://"); i >= 0 {
		p = p[i+3:]
	}
	return strings.ContainsAny(p, "/?")
}

var envRef = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*\}`)
