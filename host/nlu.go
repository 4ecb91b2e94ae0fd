package host

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/nlu"
	"github.com/batonbot/baton/nlu/llm"
)

// NLU makes the message analysers of flows and the ticket summariser that
// a deployment's nlu section asks for. The built-in analyser is trained
// on a flow's intents once per NLU configuration (intents and examples,
// threshold, lexicon) and shared by the flows that have it (it is
// immutable and safe for concurrent use). With nlu.analyser llm or hybrid (and Live), flows
// get the OpenAI-compatible analyser of package nlu/llm with the built-in
// one as its fallback (for hybrid, also its first opinion), and tickets
// get a summary the model writes. Each conversation's analyses by the
// model are bounded (nlu.llm.calls_per_conversation_hour, an llm.Budget
// shared by the flows). They share one llm.Cooldown: after a
// 429 that says when the rate limit resets, no flow's analysis nor any
// summary is sent before then (the built-in analyser answers, "rate
// limited"). The API key is nlu.llm.api_key; for
// OpenAI's own API (https://api.openai.com) only, it may also come from
// BATON_LLM_API_KEY, else OPENAI_API_KEY: a key the config does not name
// next to a server's URL is never sent to that server.
type NLU struct {
	cfg    handoff.ConfigNLU
	source string
	getenv func(string) string
	live   bool
	// client is what the LLM is called with (nil: a default one).
	client *http.Client
	// cooldown is shared by every LLM client made here: a 429 one of
	// them gets keeps them all from sending until the limit resets.
	cooldown *llm.Cooldown
	// budget bounds each conversation's analyses by the model
	// (nlu.llm.calls_per_conversation_hour), across the flows.
	budget *llm.Budget

	mu sync.Mutex
	// byFlow is what each flow asked for (Builtin) and not Forget yet;
	// byConfig the analysers they share, by configuration (nluKey).
	byFlow   map[*flows.Flow]*trained
	byConfig map[[sha256.Size]byte]*trained
}

// trained is the built-in analyser of one NLU configuration, trained once.
type trained struct {
	key  [sha256.Size]byte
	once sync.Once
	a    *nlu.Analyzer
	err  error
	// flows counts the flows in byFlow that use it (under NLU.mu).
	flows int
}

// nluKey identifies what nlu.FromFlow trains on: the intents (names and
// examples, in order), the threshold and the lexicon; not where they
// are written, nor the analyser a flow names.
func nluKey(c flows.NLUConfig) [sha256.Size]byte {
	type intent struct {
		Name     string
		Examples map[string][]string
	}
	v := struct {
		Intents   []intent
		Threshold uint64 // its bits: JSON has no NaN
		Lexicon   map[string]map[string][]string
	}{Threshold: math.Float64bits(c.Threshold), Lexicon: c.Lexicon}
	for _, in := range c.Intents {
		if in == nil {
			v.Intents = append(v.Intents, intent{Name: "\x00nil"}) // no intent's name
			continue
		}
		v.Intents = append(v.Intents, intent{Name: in.Name, Examples: in.Examples})
	}
	b, _ := json.Marshal(v) // strings, maps of strings (keys sorted) and a number: cannot fail
	return sha256.Sum256(b)
}

// NewNLU returns the NLU of cfg (nil: the built-in analyser only). getenv
// reads the API key's variables (nil: none). Only when live is the LLM
// ever called: the sandbox keeps everything on the machine.
func NewNLU(cfg *handoff.Config, getenv func(string) string, live bool) *NLU {
	n := &NLU{getenv: getenv, live: live, cooldown: llm.NewCooldown()}
	if cfg != nil {
		n.cfg, n.source = cfg.NLU, cfg.Source
	}
	calls := n.cfg.LLM.CallsPerConversationHour
	if calls <= 0 {
		calls = llm.DefaultConversationCalls
	}
	n.budget = llm.NewBudget(calls, time.Hour)
	return n
}

// UsesLLM reports whether analysers and summaries call the LLM.
func (n *NLU) UsesLLM() bool {
	return n != nil && n.live && (n.cfg.Analyser == "llm" || n.cfg.Analyser == "hybrid")
}

// Builtin returns the built-in analyser trained on f's intents, or nil
// when the flow never reads a signal (then no message pays for analysis).
func (n *NLU) Builtin(f *flows.Flow) (*nlu.Analyzer, error) {
	if !f.NeedsSignals {
		return nil, nil
	}
	n.mu.Lock()
	t := n.byFlow[f]
	if t == nil {
		key := nluKey(f.NLU)
		if t = n.byConfig[key]; t == nil {
			t = &trained{key: key}
			if n.byConfig == nil {
				n.byFlow, n.byConfig = map[*flows.Flow]*trained{}, map[[sha256.Size]byte]*trained{}
			}
			n.byConfig[key] = t
		}
		t.flows++
		n.byFlow[f] = t
	}
	n.mu.Unlock()
	// Trained outside the lock: another configuration's flows need not
	// wait for it.
	t.once.Do(func() { t.a, t.err = nlu.FromFlow(f.NLU) })
	return t.a, t.err
}

// Forget drops f's hold on what was trained for it (a flow replaced by a
// reload): the analyser is dropped once no flow it was trained for is
// left.
func (n *NLU) Forget(f *flows.Flow) {
	n.mu.Lock()
	defer n.mu.Unlock()
	t := n.byFlow[f]
	if t == nil {
		return
	}
	delete(n.byFlow, f)
	if t.flows--; t.flows == 0 {
		delete(n.byConfig, t.key)
	}
}

// Analyzer returns the analyser of f: nil when the flow reads no signal,
// the LLM's when the deployment asks for it, else the built-in one.
func (n *NLU) Analyzer(f *flows.Flow) (flows.Analyzer, error) {
	builtin, err := n.Builtin(f)
	if err != nil || builtin == nil {
		return nil, err
	}
	if !n.UsesLLM() {
		return builtin, nil
	}
	return n.llm(f, builtin)
}

// Summarizer returns what writes the summary at the top of each ticket
// when the deployment uses the LLM: a, when it is one, else a new LLM
// client (for f's language hints, when f is given); nil otherwise, and
// tickets keep the extractive summary.
func (n *NLU) Summarizer(a flows.Analyzer, f *flows.Flow) (flows.Summarizer, error) {
	if !n.UsesLLM() {
		return nil, nil
	}
	if s, ok := a.(flows.Summarizer); ok {
		return s, nil
	}
	var builtin *nlu.Analyzer
	if f != nil {
		var err error
		if builtin, err = n.Builtin(f); err != nil {
			return nil, err
		}
	}
	return n.llm(f, builtin)
}

// llm builds the LLM analyser for f (nil: no flow's intents), falling
// back to builtin (hybrid needs it; without one the model answers alone).
func (n *NLU) llm(f *flows.Flow, builtin *nlu.Analyzer) (*llm.Analyzer, error) {
	key, _ := n.apiKey()
	if key == "" && llm.IsOpenAI(n.cfg.LLM.BaseURL) {
		return nil, fmt.Errorf("the %s analyser of %s: no API key for https://api.openai.com: write api_key: ${OPENAI_API_KEY} under nlu.llm (or the variable that holds it), or set %s",
			n.cfg.Analyser, n.source, strings.Join(keyVars, " or "))
	}
	opts := []llm.Option{llm.WithBaseURL(n.cfg.LLM.BaseURL), llm.WithModel(n.cfg.LLM.Model), llm.WithCooldown(n.cooldown), llm.WithBudget(n.budget)}
	if f != nil {
		opts = append(opts, llm.WithNLUConfig(f.NLU))
	}
	if builtin != nil {
		opts = append(opts, llm.WithFallback(builtin))
		if n.cfg.Analyser == "hybrid" {
			opts = append(opts, llm.WithHybrid(nil))
		}
	}
	if key != "" {
		opts = append(opts, llm.WithAPIKey(key))
	}
	if n.cfg.LLM.Timeout > 0 {
		opts = append(opts, llm.WithTimeout(n.cfg.LLM.Timeout))
	}
	if n.client != nil {
		opts = append(opts, llm.WithHTTPClient(n.client))
	}
	if n.cfg.LLM.MaxTokens > 0 {
		opts = append(opts, llm.WithMaxTokens(n.cfg.LLM.MaxTokens))
	}
	if n.cfg.LLM.ReasoningEffort != "" {
		opts = append(opts, llm.WithReasoningEffort(n.cfg.LLM.ReasoningEffort))
	}
	a, err := llm.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("the %s analyser of %s: %w", n.cfg.Analyser, n.source, err)
	}
	return a, nil
}

// fitsLease checks that the LLM's calls fit a turn of a host whose lease
// is lease, as baton serve's config checks nlu.llm.timeout against
// server.lease (config.LLMTimeoutLimit): a program embedding the host with
// a lease of its own (WithLease) is held to the same rule.
func (n *NLU) fitsLease(lease time.Duration) error {
	if !n.UsesLLM() {
		return nil
	}
	timeout, def := n.cfg.LLM.Timeout, ""
	if timeout <= 0 {
		timeout, def = llm.DefaultTimeout, " (the default)"
	}
	limit := config.LLMTimeoutLimit(lease)
	if timeout <= limit {
		return nil
	}
	allows := "allows at most " + limit.String()
	if limit <= 0 {
		allows = "leaves the model no time"
	}
	return fmt.Errorf("the LLM's timeout (nlu.llm.timeout) is %s%s, and a lease of %s %s: a message's turn may wait for the model twice (its analysis, then a handoff's summary) and must end within its lease, 5s of which are kept for the rest, or another process takes the message over and runs the turn again; lower the timeout, or lengthen the lease (host.WithLease, server.lease)",
		timeout, def, lease, allows)
}

// keyVars are the environment variables an API key for OpenAI is read
// from when the config gives none, in this order.
var keyVars = []string{"BATON_LLM_API_KEY", "OPENAI_API_KEY"}

// apiKey returns the key to send to the configured LLM: nlu.llm.api_key,
// else, for OpenAI's own API only, the first of keyVars set. withheld
// names the variable whose key was not sent to another server.
func (n *NLU) apiKey() (key, withheld string) {
	if key = n.cfg.LLM.APIKey; key != "" || n.getenv == nil {
		return key, ""
	}
	for _, name := range keyVars {
		if v := n.getenv(name); v != "" {
			if llm.IsOpenAI(n.cfg.LLM.BaseURL) {
				return v, ""
			}
			return "", name
		}
	}
	return "", ""
}

// Notice is what the operator should know about the LLM's configuration
// ("" when nothing): a key in the environment that is not sent to the
// configured server, which is not OpenAI's.
func (n *NLU) Notice() string {
	if !n.UsesLLM() {
		return ""
	}
	_, name := n.apiKey()
	if name == "" {
		return ""
	}
	return fmt.Sprintf("%s is set but not sent to the LLM at %s: a key from the environment goes to https://api.openai.com only, "+
		"so that an OpenAI key never reaches another server. If this server wants that key, write api_key: ${%s} under nlu.llm in %s",
		name, serverOf(n.cfg.LLM.BaseURL), name, n.source)
}

// serverOf is the scheme and host of a URL: enough to name a server in a
// log without a password or a query that may hold a secret.
func serverOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(an invalid URL)"
	}
	return u.Scheme + "://" + u.Host
}
