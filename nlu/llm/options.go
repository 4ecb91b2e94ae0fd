package llm

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
)

// Defaults used when an option is not given.
const (
	DefaultBaseURL   = "https://api.openai.com/v1"
	DefaultModel     = "gpt-4o-mini"
	DefaultTimeout   = 5 * time.Second
	DefaultRetries   = 2
	DefaultCacheSize = 1024
	DefaultThreshold = 0.5
	// DefaultMaxTokens bounds what the model may write per call: far
	// more than an analysis (about 60 tokens) or a summary (at most
	// about 400) needs.
	DefaultMaxTokens = 1024
	// DefaultReasoningMaxTokens is DefaultMaxTokens for OpenAI's
	// reasoning models (o1, o3, o4, gpt-5, gpt-6...), whose hidden
	// reasoning counts in the bound too.
	DefaultReasoningMaxTokens = 4096
	// DefaultReasoningEffort is the reasoning_effort sent to OpenAI's
	// reasoning models: they default to "medium", often slower than an
	// analysis's timeout, while a triage of one message needs little
	// reasoning. "low" is the least every one of them accepts ("minimal"
	// is gpt-5's only, "none" gpt-5.1's and later).
	DefaultReasoningEffort = "low"
	defaultBackoffMin      = 200 * time.Millisecond
	defaultBackoffMax      = 2 * time.Second
	maxExamplesPerIntent   = 3
)

// Option configures an Analyzer.
type Option func(*config)

type config struct {
	baseURL     string
	apiKey      string
	model       string
	timeout     time.Duration
	retries     int
	backoffMin  time.Duration
	backoffMax  time.Duration
	fallback    flows.Analyzer
	masking     bool
	cacheSize   int
	intents     []string
	examples    map[string][]string
	threshold   float64
	hybrid      bool
	unsure      func(flows.Signals) bool
	temperature *float64
	maxTokens   int
	effort      string
	cooldown    *Cooldown
	budget      *Budget
	now         func() time.Time
	httpClient  *http.Client
	// official is set by check: the base URL is OpenAI's own API.
	official bool
}

// WithBaseURL sets the OpenAI-compatible endpoint, up to and including the
// version path: "https://api.openai.com/v1" (the default),
// "http://localhost:11434/v1" (Ollama), "http://localhost:8080/v1"
// (llama.cpp server), "http://localhost:8000/v1" (vLLM). The analyser posts
// to base URL + "/chat/completions".
func WithBaseURL(u string) Option { return func(c *config) { c.baseURL = u } }

// WithAPIKey sets the bearer token sent as "Authorization: Bearer <key>".
// The package never reads the environment: the host does (baton reads
// BATON_LLM_API_KEY, then OPENAI_API_KEY, for OpenAI's own API only; see
// IsOpenAI). Spaces and line breaks around it are dropped. Local servers
// usually need none; a 401 to a request without a key says so.
func WithAPIKey(key string) Option { return func(c *config) { c.apiKey = key } }

// WithModel sets the model name ("gpt-4o-mini", "llama3.1:8b"...). It is
// required with any base URL but OpenAI's, where it defaults to
// DefaultModel.
func WithModel(name string) Option { return func(c *config) { c.model = name } }

// WithTimeout bounds one analysis, retries and their waits included
// (default DefaultTimeout). Past it the fallback answers with
// Signals.Fallback = "timeout". The customer is waiting: keep it short.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithRetries sets how many times a failed call is retried after a 429,
// a 5xx or a network error (default DefaultRetries; 0 disables retries).
// Other errors, timeouts and invalid answers are never retried.
func WithRetries(n int) Option { return func(c *config) { c.retries = n } }

// WithBackoff sets the exponential backoff between retries: the first wait
// is about min, each next one doubles, up to max, each randomised by ±50%
// (jitter). The Retry-After (or retry-after-ms) of a 429 or a 5xx replaces
// the computed wait; so does, for a 429 without them, the reset time
// (x-ratelimit-reset-requests or -tokens) of a limit OpenAI's
// x-ratelimit-remaining-* headers say is used up, as a failed request
// counts against it too. When the wait would not fit in the timeout the
// analyser gives up at once.
func WithBackoff(min, max time.Duration) Option {
	return func(c *config) { c.backoffMin, c.backoffMax = min, max }
}

// WithFallback sets the analyser that answers when the LLM cannot: on an
// error, a timeout or an invalid answer its signals are returned with
// Signals.Fallback set to the reason. It also supplies entities (from the
// original, unmasked text) and, in hybrid mode, the first opinion. Without
// a fallback a failed call returns intent "unknown" and the entities found
// by flows.ExtractPII. Required with WithHybrid.
func WithFallback(a flows.Analyzer) Option { return func(c *config) { c.fallback = a } }

// WithMasking turns PII masking on or off (default on): e-mails, phone
// numbers and order numbers are replaced by flows.MaskPII before the text
// leaves the process. Turn it off only for an endpoint you run yourself.
func WithMasking(on bool) Option { return func(c *config) { c.masking = on } }

// WithCache sets how many answers are kept, least recently used evicted
// first (default DefaultCacheSize; 0 disables the cache). Answers are keyed
// by the conversation language and the folded, masked text, so "Dov'è il
// mio ordine A123456?" and "dov'e il mio ordine B654321?" share one entry.
// Failed calls are not cached.
func WithCache(size int) Option { return func(c *config) { c.cacheSize = size } }

// WithIntents lists the intents the model may answer, typically the names
// of the flow's flows.NLUConfig.Intents. The model answers "unknown" when
// none fits; an intent outside the list is an invalid answer.
func WithIntents(names []string) Option {
	return func(c *config) { c.intents = append([]string(nil), names...) }
}

// WithNLUConfig takes the intents (with up to three example phrases each,
// which the prompt shows the model) and the threshold from a flow's NLU
// configuration. A zero threshold keeps the current one.
func WithNLUConfig(nlu flows.NLUConfig) Option {
	return func(c *config) {
		c.intents = c.intents[:0:0]
		c.examples = map[string][]string{}
		for _, in := range nlu.Intents {
			if in == nil || in.Name == "" {
				continue
			}
			c.intents = append(c.intents, in.Name)
			c.examples[in.Name] = pickExamples(in.Examples, maxExamplesPerIntent)
		}
		if nlu.Threshold > 0 {
			c.threshold = nlu.Threshold
		}
	}
}

// WithThreshold sets the confidence below which the model's intent is
// reported as "unknown" (it stays in Signals.Ranking), and below which the
// default hybrid test finds the fallback unsure (default DefaultThreshold).
func WithThreshold(t float64) Option { return func(c *config) { c.threshold = t } }

// WithHybrid asks the fallback first and the LLM only when unsure(fallback's
// signals) reports true. A nil unsure uses DefaultUnsure with the
// analyser's threshold: the fallback's intent is unknown (when intents are
// configured) or below the threshold, or its sentiment is borderline. A
// fallback that fails is always unsure.
func WithHybrid(unsure func(flows.Signals) bool) Option {
	return func(c *config) { c.hybrid, c.unsure = true, unsure }
}

// WithTemperature sets the sampling temperature. It is always sent, 0
// included; a negative value leaves it out of the request. By default it is
// 0, for repeatable answers, except for OpenAI's reasoning models (o1, o3,
// o4, gpt-5, gpt-6...), which reject the parameter and get none.
func WithTemperature(t float64) Option { return func(c *config) { c.temperature = &t } }

// WithMaxTokens bounds the tokens the model may generate per call
// (default DefaultMaxTokens, DefaultReasoningMaxTokens for OpenAI's
// reasoning models), so that a model that rambles or loops costs n tokens
// at most rather than running to its context's end. Reasoning models
// count their reasoning in n. OpenAI's rate limits count n per request
// too: keep it near what an answer needs.
//
// On OpenAI (https://api.openai.com) and for a reasoning model's name
// anywhere it is sent as "max_completion_tokens", the field OpenAI's
// current models require; to any other server as "max_tokens", the one
// Ollama, llama.cpp, vLLM, TGI and LM Studio all read. An answer cut at
// the bound (finish_reason "length") is an invalid response whose reason
// says to raise it.
func WithMaxTokens(n int) Option { return func(c *config) { c.maxTokens = n } }

// ReasoningEfforts are the values of reasoning_effort OpenAI documents,
// least reasoning first. Which ones a model accepts depends on it: the o
// series low, medium and high; gpt-5 minimal to high; gpt-5.1 none to
// high; later ones none to xhigh or max (gpt-6: low to max, none for some).
// A value the model does not take fails every call (the fallback answers,
// saying so).
var ReasoningEfforts = []string{"none", "minimal", "low", "medium", "high", "xhigh", "max"}

// WithReasoningEffort sets the reasoning_effort sent to OpenAI's
// reasoning models (o1, o3, o4, gpt-5, gpt-6...; see WithTemperature):
// one of ReasoningEfforts, default DefaultReasoningEffort; "" sends none,
// leaving the model's own default (medium before gpt-5.1). It is never
// sent to other models, which reject it or do not know it. Less
// reasoning answers sooner: with "medium" a reasoning model often takes
// longer than WithTimeout, and every analysis falls back with "timeout".
func WithReasoningEffort(e string) Option { return func(c *config) { c.effort = e } }

// effortFor is the reasoning_effort to send for model, "" for none.
func (c *config) effortFor(model string) string {
	if reasoningModel(model) {
		return c.effort
	}
	return ""
}

// WithCooldown shares c among analysers: a 429 one of them gets keeps
// them all from sending until the limit resets (see Cooldown). By default
// each analyser has its own.
func WithCooldown(c *Cooldown) Option { return func(cfg *config) { cfg.cooldown = c } }

// WithBudget bounds each conversation's model calls with b (see Budget),
// shared among the analysers given the same one. By default a
// conversation's calls are not limited.
func WithBudget(b *Budget) Option { return func(cfg *config) { cfg.budget = b } }

// WithClock sets the clock the cool-down and a Retry-After date are read
// with (default time.Now). Timeouts and backoff waits run on real time.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithHTTPClient sets the HTTP client (proxies, TLS, tests). Its own Timeout
// adds to WithTimeout's, it does not replace it.
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.httpClient = hc } }

// temperatureFor is the temperature to send for model, negative for none.
func (c *config) temperatureFor(model string) float64 {
	if c.temperature != nil {
		return *c.temperature
	}
	if reasoningModel(model) {
		return -1
	}
	return 0
}

// reasoningModel reports whether model names one of OpenAI's reasoning
// models, which reject "temperature" and "max_tokens": the o series (o1,
// o3, o4-mini...) and gpt-5 onwards (gpt-5-mini, gpt-6-luna, gpt-6.1-sol),
// not gpt-4.1 nor the open gpt-oss.
func reasoningModel(model string) bool {
	m := strings.ToLower(model)
	if len(m) >= 2 && m[0] == 'o' && m[1] >= '1' && m[1] <= '9' {
		return true
	}
	rest, ok := strings.CutPrefix(m, "gpt-")
	if !ok {
		return false
	}
	n := 0
	for _, r := range rest {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
		if n >= 5 {
			return true
		}
	}
	return false
}

// maxTokensFor is the output bound to send for model.
func (c *config) maxTokensFor(model string) int {
	switch {
	case c.maxTokens > 0:
		return c.maxTokens
	case reasoningModel(model):
		return DefaultReasoningMaxTokens
	}
	return DefaultMaxTokens
}

func defaults() config {
	return config{
		baseURL:    DefaultBaseURL,
		timeout:    DefaultTimeout,
		retries:    DefaultRetries,
		backoffMin: defaultBackoffMin,
		backoffMax: defaultBackoffMax,
		masking:    true,
		cacheSize:  DefaultCacheSize,
		threshold:  DefaultThreshold,
		effort:     DefaultReasoningEffort,
	}
}

// pickExamples returns up to n example phrases, taking them in turn from
// each language (sorted) so every language is represented.
func pickExamples(byLang map[string][]string, n int) []string {
	langs := make([]string, 0, len(byLang))
	for l := range byLang {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	var out []string
	for i := 0; len(out) < n; i++ {
		added := false
		for _, l := range langs {
			if i < len(byLang[l]) && len(out) < n {
				out = append(out, byLang[l][i])
				added = true
			}
		}
		if !added {
			break
		}
	}
	return out
}
