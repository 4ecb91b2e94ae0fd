package llm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/cenkalti/backoff/v5"
	openai "github.com/sashabaranov/go-openai"
)

// Source values set on Signals by this package.
const (
	// SourceLLM marks signals the model produced.
	SourceLLM = "llm"
	// SourceNone marks the signals of a failed call with no fallback.
	SourceNone = "none"
)

// Analyzer asks an OpenAI-compatible chat-completions endpoint for a
// message's signals. It is safe for concurrent use.
type Analyzer struct {
	cfg      config
	client   *openai.Client
	cache    *lru
	unsure   func(flows.Signals) bool
	allowed  map[string]string // folded intent name → name
	schema   []byte
	system   string
	respFmt  *openai.ChatCompletionResponseFormat
	maxTries uint
	// maxTokens bounds each answer (written on the wire by wire.Do).
	maxTokens int
	// effort is the reasoning_effort of each request ("" for none).
	effort string
}

var _ flows.Analyzer = (*Analyzer)(nil)

// New returns an analyser configured by opts. It checks the configuration
// and makes no network call.
func New(opts ...Option) (*Analyzer, error) {
	cfg := defaults()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	a := &Analyzer{cfg: cfg, maxTries: uint(cfg.retries) + 1, maxTokens: cfg.maxTokensFor(cfg.model),
		effort: cfg.effortFor(cfg.model)}
	// OpenAI's current models want max_completion_tokens (its reasoning
	// models reject max_tokens); Ollama reads only max_tokens, as older
	// llama.cpp and TGI do, and vLLM reads both.
	tokensField := "max_tokens"
	if cfg.official || reasoningModel(cfg.model) {
		tokensField = "max_completion_tokens"
	}

	oc := openai.DefaultConfig(cfg.apiKey)
	oc.BaseURL = cfg.baseURL
	hc := cfg.httpClient
	if hc == nil {
		hc = &http.Client{}
	}
	oc.HTTPClient = &wire{client: hc, now: a.now, temperature: cfg.temperatureFor(cfg.model), tokensField: tokensField, maxTokens: a.maxTokens}
	a.client = openai.NewClientWithConfig(oc)

	if a.cfg.cooldown == nil {
		a.cfg.cooldown = NewCooldown()
	}
	if a.cfg.now == nil {
		a.cfg.now = time.Now
	}
	if cfg.cacheSize > 0 {
		a.cache = newLRU(cfg.cacheSize)
	}
	a.allowed = map[string]string{}
	for _, name := range cfg.intents {
		a.allowed[flows.Fold(name)] = name
	}
	a.unsure = cfg.unsure
	if a.unsure == nil {
		a.unsure = DefaultUnsure(cfg.threshold, len(cfg.intents) > 0)
	}
	a.schema = schema(cfg.intents)
	a.system = systemPrompt(cfg.intents, cfg.examples, cfg.masking)
	a.respFmt = &openai.ChatCompletionResponseFormat{
		Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
		JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
			Name:   "signals",
			Schema: rawJSON(a.schema),
			Strict: true,
		},
	}
	return a, nil
}

func (c *config) check() error {
	// A key read with its line break ("echo $KEY | base64" in a secret)
	// would make every request fail: a bearer token has no spaces.
	c.apiKey = strings.TrimSpace(c.apiKey)
	u, err := url.Parse(c.baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("llm: base URL %q is not an http(s) URL: use e.g. %s or http://localhost:11434/v1 for Ollama", c.baseURL, DefaultBaseURL)
	}
	c.baseURL = strings.TrimRight(c.baseURL, "/")
	if strings.HasSuffix(c.baseURL, "/chat/completions") {
		shown := strings.TrimRight(u.Redacted(), "/")
		return fmt.Errorf("llm: base URL %s ends in /chat/completions, which the analyser adds: give %s", shown, strings.TrimSuffix(shown, "/chat/completions"))
	}
	official := openAIHost(u)
	c.official = official
	if official && u.Scheme != "https" {
		return fmt.Errorf("llm: base URL %s would send the API key unencrypted: OpenAI is served over https, use %s", u.Redacted(), DefaultBaseURL)
	}
	if c.model == "" {
		if !official {
			return fmt.Errorf("llm: no model set for %s: pass WithModel with a model the server serves (e.g. llama3.1:8b for Ollama)", c.baseURL)
		}
		c.model = DefaultModel
	}
	if official && c.apiKey == "" {
		return errors.New("llm: no API key for api.openai.com: set BATON_LLM_API_KEY (or OPENAI_API_KEY) and pass it with WithAPIKey")
	}
	if c.timeout <= 0 {
		return fmt.Errorf("llm: timeout %v must be positive (e.g. %v)", c.timeout, DefaultTimeout)
	}
	if c.retries < 0 {
		return fmt.Errorf("llm: retries %d must be 0 or more", c.retries)
	}
	if c.backoffMin <= 0 || c.backoffMax < c.backoffMin {
		return fmt.Errorf("llm: backoff %v..%v: min must be positive and max at least min", c.backoffMin, c.backoffMax)
	}
	if c.cacheSize < 0 {
		return fmt.Errorf("llm: cache size %d must be 0 (off) or more", c.cacheSize)
	}
	if c.threshold < 0 || c.threshold > 1 || math.IsNaN(c.threshold) {
		return fmt.Errorf("llm: threshold %v must be between 0 and 1", c.threshold)
	}
	if c.maxTokens < 0 {
		return fmt.Errorf("llm: max tokens %d must be positive (0: the default, %d)", c.maxTokens, DefaultMaxTokens)
	}
	if c.effort != "" && !slices.Contains(ReasoningEfforts, c.effort) {
		return fmt.Errorf("llm: reasoning effort %q must be one of %s (or empty: the model's default)", c.effort, strings.Join(ReasoningEfforts, ", "))
	}
	if t := c.temperature; t != nil && (math.IsNaN(*t) || *t > 2) {
		return fmt.Errorf("llm: temperature %v must be at most 2 (negative leaves it out)", *t)
	}
	if c.hybrid && c.fallback == nil {
		return errors.New("llm: hybrid mode needs a fallback analyser to ask first: pass WithFallback")
	}
	for _, name := range c.intents {
		if name == "" || flows.Fold(name) == flows.UnknownIntent {
			return fmt.Errorf("llm: intent name %q is reserved or empty", name)
		}
	}
	return nil
}

// now reads the analyser's clock.
func (a *Analyzer) now() time.Time { return a.cfg.now() }

// openAIHost reports whether u is OpenAI's own API.
func openAIHost(u *url.URL) bool {
	return strings.EqualFold(u.Hostname(), "api.openai.com")
}

// IsOpenAI reports whether baseURL is OpenAI's own API over https
// (https://api.openai.com/v1): the one server a host may send an API key
// it found in the environment, such as OPENAI_API_KEY, rather than one
// configured for that server.
func IsOpenAI(baseURL string) bool {
	u, err := url.Parse(baseURL)
	return err == nil && u.Scheme == "https" && openAIHost(u)
}

// DefaultUnsure is the hybrid test WithHybrid(nil) uses: it reports whether
// s is worth a second opinion. It holds when s's confidence is below
// threshold, when s's intent is unknown and the flow has intents, and, for
// a message without a frustrated verdict or a request for a person, when
// its sentiment is borderline negative (-0.6 to -0.15) or its frustration
// is borderline (unsureFrustration or more): where a lexicon and a small
// model miss sarcasm and understatement most.
func DefaultUnsure(threshold float64, hasIntents bool) func(flows.Signals) bool {
	return func(s flows.Signals) bool {
		if hasIntents && (s.Intent == "" || s.Intent == flows.UnknownIntent || s.Confidence < threshold) {
			return true
		}
		if s.Frustrated || s.WantsHuman {
			return false
		}
		return s.Sentiment <= -0.15 && s.Sentiment >= -0.6 || s.Frustration >= unsureFrustration
	}
}

// unsureFrustration is the frustration score, below a frustrated verdict,
// from which DefaultUnsure asks for a second opinion: the built-in
// analyser's verdict is at 0.30.
const unsureFrustration = 0.15

// Analyze returns the model's signals for in.Text, or the fallback's with
// Signals.Fallback set to why. It returns an error only when ctx is done
// before anything could answer.
func (a *Analyzer) Analyze(ctx context.Context, in flows.AnalyzeInput) (flows.Signals, error) {
	var fb flows.Signals
	var fbErr error
	if a.cfg.fallback != nil {
		fb, fbErr = a.cfg.fallback.Analyze(ctx, in)
		if fbErr == nil && a.cfg.hybrid && !a.unsure(fb) {
			return fb, nil
		}
	}
	if strings.TrimSpace(in.Text) == "" {
		// Nothing to ask about.
		return a.fallback(in, fb, fbErr, ""), nil
	}
	sent := shorten(in.Text, MaxMessageBytes)
	if a.cfg.masking {
		sent = maskThenCut(in.Text, MaxMessageBytes)
	}
	key := cacheKey(in.Lang, sent)
	if a.cache != nil {
		if s, ok := a.cache.get(key); ok {
			return a.finish(s, in, fb, fbErr), nil
		}
	}
	if now := a.now(); !a.cfg.cooldown.holds(now) && !a.cfg.budget.take(in.ConversationID, now) {
		// The conversation spent its calls (a flood of messages): the
		// fallback answers until its bucket refills.
		return a.fallback(in, fb, fbErr, reasonBudget), nil
	}
	s, err := a.ask(ctx, sent, in.Lang)
	if err != nil {
		if a.cfg.fallback == nil && ctx.Err() != nil {
			return flows.Signals{}, fmt.Errorf("llm: analysis abandoned: %w", ctx.Err())
		}
		return a.fallback(in, fb, fbErr, reason(err)), nil
	}
	if a.cache != nil {
		a.cache.put(key, s)
	}
	return a.finish(s, in, fb, fbErr), nil
}

// finish completes the model's signals: entities come from the original
// text (the model saw it masked), the language from the fallback when the
// model gave none.
func (a *Analyzer) finish(s flows.Signals, in flows.AnalyzeInput, fb flows.Signals, fbErr error) flows.Signals {
	s.Ranking = append([]flows.IntentScore(nil), s.Ranking...)
	s.Source = SourceLLM
	haveFB := a.cfg.fallback != nil && fbErr == nil
	switch {
	case haveFB:
		s.Entities = fb.Entities
	default:
		s.Entities = flows.ExtractPII(in.Text)
	}
	if s.Language == "" && haveFB {
		s.Language = fb.Language
	}
	if a.cfg.hybrid && haveFB {
		// The model was asked for what the built-in analyser was unsure
		// of (DefaultUnsure: its intent, a borderline mood), not for the
		// verdicts it is sure of: a customer it heard ask for a person,
		// or found frustrated, stays so whatever the model says.
		if fb.WantsHuman {
			s.WantsHuman = true
		}
		if fb.Frustrated {
			s.Frustrated, s.Frustration = true, max(s.Frustration, fb.Frustration)
		}
	}
	return s
}

// fallback returns the fallback's signals marked with why. Without a
// (working) fallback it returns an unknown intent and the entities
// flows.ExtractPII finds.
func (a *Analyzer) fallback(in flows.AnalyzeInput, fb flows.Signals, fbErr error, why string) flows.Signals {
	if a.cfg.fallback != nil && fbErr == nil {
		fb.Fallback = why
		if fb.Source == "" {
			fb.Source = "fallback"
		}
		return fb
	}
	s := flows.Signals{
		Intent:   flows.UnknownIntent,
		Entities: flows.ExtractPII(in.Text),
		Source:   SourceNone,
		Fallback: why,
	}
	if fbErr != nil {
		s.Fallback = strings.TrimPrefix(why+"; fallback failed: "+shorten(fbErr.Error(), 80), "; ")
	}
	return s
}

// ask calls the model for in's signals, retrying what is worth retrying,
// within the timeout.
func (a *Analyzer) ask(ctx context.Context, text, lang string) (flows.Signals, error) {
	return call(ctx, a, a.request(text, lang), a.parse)
}

// call sends req, retrying 429s, 5xx and network errors with backoff, and
// reads the answer with parse (whose errors are never retried), all within
// the analyser's timeout.
func call[T any](ctx context.Context, a *Analyzer, req openai.ChatCompletionRequest, parse func(openai.ChatCompletionResponse) (T, error)) (T, error) {
	if a.cfg.cooldown.holds(a.now()) {
		// A 429 said the limit stands until later: this request would be
		// refused too.
		var zero T
		return zero, &failure{reason: reasonRateLimited}
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.timeout)
	defer cancel()
	st := &callState{tokens: a.maxTokens}
	ctx = context.WithValue(ctx, callStateKey{}, st)
	op := func() (T, error) {
		var zero T
		st.reset()
		resp, err := a.client.CreateChatCompletion(ctx, req)
		if err != nil {
			return zero, classify(ctx, err, st, a)
		}
		v, err := parse(resp)
		if err != nil {
			return zero, backoff.Permanent(err)
		}
		return v, nil
	}
	eb := backoff.NewExponentialBackOff()
	eb.InitialInterval = a.cfg.backoffMin
	eb.MaxInterval = a.cfg.backoffMax
	eb.Multiplier = 2
	eb.RandomizationFactor = 0.5
	v, err := backoff.Retry(ctx, op,
		backoff.WithBackOff(eb),
		backoff.WithMaxTries(a.maxTries),
		backoff.WithMaxElapsedTime(a.cfg.timeout),
	)
	if err != nil && ctx.Err() != nil && !errors.Is(err, errInvalid) {
		// The deadline struck while waiting to retry: say so.
		return v, timeoutOrCanceled(ctx)
	}
	return v, err
}

func (a *Analyzer) request(text, lang string) openai.ChatCompletionRequest {
	system := a.system
	if lang = normLang(lang); lang != "" {
		system += "\nThe conversation's language so far: " + lang + "."
	}
	return openai.ChatCompletionRequest{
		Model: a.cfg.model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: system},
			{Role: openai.ChatMessageRoleUser, Content: text},
		},
		// Temperature is set on the wire by wire.Do: the struct's field is
		// omitempty and would drop 0.
		ResponseFormat:  a.respFmt,
		ReasoningEffort: a.effort,
	}
}

// cacheKey is the language hint and the folded text with its spaces
// collapsed.
func cacheKey(lang, text string) string {
	return lang + "\x00" + strings.Join(strings.Fields(flows.Fold(text)), " ")
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// maskCutMargin is how much past a cut maskThenCut masks, so that
// personal data across the cut is masked whole: more than an e-mail
// address can be long (254 bytes).
const maskCutMargin = 256

// maskThenCut masks s with flows.MaskPII and cuts it to n bytes: masked
// first, so that an e-mail or phone number across the cut is not sent in
// part ("anna.rossi@example.c" no longer looks like an e-mail). Only a
// prefix is masked, n+maskCutMargin bytes or more: masking shortens the
// text, so the prefix grows until its masked form still reaches a margin
// past n, and what was cut in part at its end stays past the cut.
func maskThenCut(s string, n int) string {
	for m := n + maskCutMargin; ; m *= 2 {
		masked := flows.MaskPII(shorten(s, m))
		if len(s) <= m || len(masked) >= n+maskCutMargin+len("…") {
			return shorten(masked, n)
		}
	}
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
