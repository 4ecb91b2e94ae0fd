package config

import (
	"net/url"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/nlu/llm"
)

func (d *decoder) nlu(n *yaml.Node) handoff.ConfigNLU {
	var c handoff.ConfigNLU
	for _, f := range d.mapping(n, "nlu", nluKeys...) {
		switch f.key.Value {
		case "analyser", "analyzer":
			c.Analyser = d.str(f.val, "nlu.analyser")
			d.oneOf(f.val, c.Analyser, "nlu.analyser", "builtin", "llm", "hybrid")
		case "llm":
			for _, g := range d.mapping(f.val, "nlu.llm", llmKeys...) {
				switch g.key.Value {
				case "base_url":
					c.LLM.BaseURL = d.url(g.val, "nlu.llm.base_url")
					d.llmBaseURL(g.val, c.LLM.BaseURL)
				case "model":
					c.LLM.Model = d.str(g.val, "nlu.llm.model")
				case "api_key":
					c.LLM.APIKey = d.str(g.val, "nlu.llm.api_key")
				case "timeout":
					c.LLM.Timeout = d.duration(g.val, "nlu.llm.timeout")
					d.llmTimeout = g.val // checked against server.lease by llmTimeoutFits
				case "max_tokens":
					c.LLM.MaxTokens = d.count(g.val, "nlu.llm.max_tokens", minLLMTokens, maxLLMTokens)
				case "calls_per_conversation_hour":
					c.LLM.CallsPerConversationHour = d.count(g.val, "nlu.llm.calls_per_conversation_hour", 1, maxLLMConversationCalls)
				case "reasoning_effort":
					c.LLM.ReasoningEffort = d.str(g.val, "nlu.llm.reasoning_effort")
					d.oneOf(g.val, c.LLM.ReasoningEffort, "nlu.llm.reasoning_effort", llm.ReasoningEfforts...)
				}
			}
		}
	}
	if (c.Analyser == "llm" || c.Analyser == "hybrid") && (c.LLM.BaseURL == "" || c.LLM.Model == "") {
		d.errorf(n, "nlu.analyser %s needs nlu.llm.base_url and nlu.llm.model", c.Analyser)
	}
	return c
}

// LLMTimeoutLimit is the longest nlu.llm.timeout that a server.lease of
// lease (0: DefaultLease) allows. A message's turn holds its inbox entry
// for the lease and may wait for the model twice within it: the message's
// analysis, then the summary of a handoff it leads to. A turn still
// running when its lease ends is taken over by another process (or this
// one) and run again: the store keeps the first save and refuses the
// other, but the customer waits for both and the model is paid twice.
// turnMargin of the lease is left to load and save the conversation.
func LLMTimeoutLimit(lease time.Duration) time.Duration {
	if lease <= 0 {
		lease = DefaultLease
	}
	return (lease - turnMargin) / 2
}

// turnMargin is the part of a lease a turn keeps for what is not the
// model's: loading and saving the conversation, routing a handoff.
const turnMargin = 5 * time.Second

// llmTimeoutFits checks nlu.llm.timeout, once every section is read,
// against the server.lease its turns hold (see LLMTimeoutLimit).
func (d *decoder) llmTimeoutFits(timeout, lease time.Duration) {
	if d.llmTimeout == nil || lease > 0 && lease < MinLease {
		return // a lease under MinLease is an error already (or a fault test's)
	}
	limit := LLMTimeoutLimit(lease)
	if timeout <= limit {
		return
	}
	with := "server.lease " + shortDuration(lease)
	if lease <= 0 {
		with = "the default server.lease, " + shortDuration(DefaultLease)
	}
	d.errorf(d.llmTimeout, "nlu.llm.timeout is at most %s with %s, not %s: a message's turn may wait for the model twice (its analysis, then a handoff's summary) and must end within the lease, or another process takes the message over and runs the turn again; lower the timeout or raise server.lease",
		shortDuration(limit), with, strings.TrimSpace(d.llmTimeout.Value))
}

// shortDuration is d as written in a config: 1m, not 1m0s.
func shortDuration(d time.Duration) string { return flows.FormatDuration(d) }

// The range of nlu.llm.max_tokens: below it the signals' JSON does not
// fit; above it is past any model's output.
const (
	minLLMTokens = 64
	maxLLMTokens = 1 << 20
	// maxLLMConversationCalls bounds nlu.llm.calls_per_conversation_hour:
	// one a second.
	maxLLMConversationCalls = 3600
)

// llmBaseURL refuses the base URLs the LLM adapter would fail on at
// startup: the endpoint's whole URL, and OpenAI over plain http.
func (d *decoder) llmBaseURL(n *yaml.Node, s string) {
	u, err := url.Parse(s)
	if err != nil || s == "" {
		return
	}
	if base, ok := strings.CutSuffix(strings.TrimRight(u.Redacted(), "/"), "/chat/completions"); ok {
		d.errorf(n, "nlu.llm.base_url ends in /chat/completions, which Baton adds: write %q", base)
	} else if u.Scheme == "http" && strings.EqualFold(u.Hostname(), "api.openai.com") {
		d.errorf(n, "nlu.llm.base_url would send the API key unencrypted: OpenAI is served over https, write %q", "https://api.openai.com/v1")
	}
}

// url reads an http(s) URL.
func (d *decoder) url(n *yaml.Node, where string) string {
	s := d.str(n, where)
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		d.errorf(n, "%s must be an http(s) URL such as https://example.com/path, not %q", where, cfgRedact(s))
		return s
	}
	return s
}

// cfgRedact hides all but the start of a value that may hold a secret.
func cfgRedact(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}
