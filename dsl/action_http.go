package dsl

import (
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

// DefaultHTTPTimeout is an HTTP action's timeout when it sets none.
const DefaultHTTPTimeout = 10 * time.Second

// http converts an HTTP action.
func (l *loader) http(pos flows.Pos, n *yaml.Node) flows.Action {
	h := &flows.HTTP{Pos: pos, Method: "GET", Timeout: DefaultHTTPTimeout}
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
			h.URL = l.template(p.val, "a URL")
		case "headers":
			if rv := resolve(p.val); rv == nil || rv.Kind != yaml.MappingNode {
				l.errorf(p.val, "expected headers: a map from header name to value, got %s", describe(p.val))
				continue
			}
			h.Headers = map[string]*flows.Template{}
			for _, hp := range pairs(p.val) {
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
			}
		case "save_as":
			h.SaveAs = l.capture(p.val, map[string]any{})
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
