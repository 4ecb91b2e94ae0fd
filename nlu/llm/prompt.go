package llm

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/batonbot/baton/flows"
	openai "github.com/sashabaranov/go-openai"
)

// Structured output: the request carries response_format
// {type: json_schema, strict: true} rather than a forced tool call. Both
// return the same JSON on OpenAI, but the schema is what local servers
// implement best: Ollama, llama.cpp and vLLM compile it into a grammar that
// constrains decoding, while forced tool_choice is missing or emulated by
// prompt on several of them. The answer is the message content, so there is
// one place to read it.

// answer is the JSON the model returns. Pointers tell a missing field from
// a zero one, for servers that do not enforce the schema.
type answer struct {
	Intent     *string  `json:"intent"`
	Confidence *float64 `json:"confidence"`
	WantsHuman *bool    `json:"wants_human"`
	Frustrated *bool    `json:"frustrated"`
	// Frustration is how likely the customer is frustrated; an answer
	// without it (a server that ignores the schema) counts its verdict.
	Frustration *float64 `json:"frustration"`
	Sentiment   *float64 `json:"sentiment"`
	Language    *string  `json:"language"`
}

// schema is the strict JSON schema of answer: every property required, no
// others allowed, intent restricted to the configured names and "unknown".
// Ranges are checked (and clamped) in parse: strict mode rejects
// minimum/maximum on some servers.
func schema(intents []string) []byte {
	enum := append(append([]string(nil), intents...), flows.UnknownIntent)
	s := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"intent":      map[string]any{"type": "string", "enum": enum, "description": "the customer's main request; unknown if none fits"},
			"confidence":  map[string]any{"type": "number", "description": "0 to 1: how sure the intent is"},
			"wants_human": map[string]any{"type": "boolean", "description": "the customer asks for a person"},
			"frustrated":  map[string]any{"type": "boolean", "description": "the customer is angry or fed up"},
			"frustration": map[string]any{"type": "number", "description": "0 to 1: how likely the customer is angry or fed up"},
			"sentiment":   map[string]any{"type": "number", "description": "-1 very negative to 1 very positive"},
			"language":    map[string]any{"type": "string", "description": "ISO 639-1 code of the message, empty if unsure"},
		},
		"required":             []string{"intent", "confidence", "wants_human", "frustrated", "frustration", "sentiment", "language"},
		"additionalProperties": false,
	}
	b, err := json.Marshal(s)
	if err != nil { // cannot happen: only strings, maps and slices
		return []byte(`{"type":"object"}`)
	}
	return b
}

type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }

func systemPrompt(intents []string, examples map[string][]string, masking bool) string {
	var b strings.Builder
	b.WriteString(`You read one message a customer wrote to a support chat bot and report what it says, as JSON that follows the given schema. Report only; never answer the customer.

- intent: the customer's main request, one of the names listed below, or "unknown" when none fits.
- confidence: from 0 to 1, how sure you are of the intent.
- wants_human: true when the customer asks to talk or write to a person (agent, operator, human), false when they refuse one or do not ask.
- frustrated: true when the customer is angry, exasperated or complains of being ignored or of repeating themselves.
- frustration: from 0 to 1, how likely it is that the customer is frustrated in that sense (0.5 or more when frustrated is true); a calm question is near 0, mild annoyance in between.
- sentiment: from -1 (very negative) through 0 (neutral) to 1 (very positive).
- language: the ISO 639-1 code of the message's language, or "" when it is too short to tell.
`)
	if masking {
		b.WriteString("Personal data was replaced by placeholders such as [email], [phone], [order] and [number]; treat them as the real values.\n")
	}
	b.WriteString("\nIntents:\n")
	if len(intents) == 0 {
		b.WriteString("(none: always answer \"unknown\")\n")
	}
	for _, name := range intents {
		var line strings.Builder
		line.WriteString("- ")
		line.WriteString(promptName(name))
		if ex := examples[name]; len(ex) > 0 {
			line.WriteString(": e.g. ")
			for i, e := range ex {
				if i > 0 {
					line.WriteString(", ")
				}
				if masking {
					e = flows.MaskPII(e)
				}
				line.WriteString(promptValue(e, maxExampleBytes))
			}
		}
		line.WriteByte('\n')
		if b.Len()+line.Len() > MaxPromptBytes {
			// Past the prompt's budget an intent keeps its name only.
			line.Reset()
			line.WriteString("- " + promptName(name) + "\n")
			if b.Len()+line.Len() > MaxPromptBytes {
				break
			}
		}
		b.WriteString(line.String())
	}
	return b.String()
}

// promptName keeps an intent name on one line: the flow's loader checks
// names, but a program may pass any.
func promptName(name string) string {
	v := promptValue(name, 80)
	return v[1 : len(v)-1]
}

// parse reads the model's signals from a chat completion.
func (a *Analyzer) parse(resp openai.ChatCompletionResponse) (flows.Signals, error) {
	if len(resp.Choices) == 0 {
		return flows.Signals{}, invalid("no choices")
	}
	ch := resp.Choices[0]
	msg := ch.Message
	if msg.Refusal != "" {
		return flows.Signals{}, invalid("the model refused: " + msg.Refusal)
	}
	content := msg.Content
	if content == "" && len(msg.ToolCalls) > 0 {
		// Some servers answer a schema-constrained request with a call.
		content = msg.ToolCalls[0].Function.Arguments
	}
	if ch.FinishReason == openai.FinishReasonLength {
		return flows.Signals{}, invalid(a.cutShort())
	}
	content = stripFences(content)
	if content == "" {
		return flows.Signals{}, invalid("empty content")
	}
	var ans answer
	if err := json.Unmarshal([]byte(content), &ans); err != nil {
		return flows.Signals{}, invalid(err.Error())
	}
	if ans.Intent == nil || ans.Confidence == nil {
		return flows.Signals{}, invalid("intent or confidence missing")
	}
	// The signals a flow escalates on: an answer without one is not a
	// "no" (frustration alone may be left out: its verdict counts).
	var missing []string
	for _, f := range []struct {
		name string
		ok   bool
	}{{"wants_human", ans.WantsHuman != nil}, {"frustrated", ans.Frustrated != nil}, {"sentiment", ans.Sentiment != nil}} {
		if !f.ok {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return flows.Signals{}, invalid(strings.Join(missing, ", ") + " missing")
	}
	intent := flows.UnknownIntent
	if f := flows.Fold(strings.TrimSpace(*ans.Intent)); f != flows.UnknownIntent && f != "" {
		name, ok := a.allowed[f]
		if !ok {
			return flows.Signals{}, invalid(fmt.Sprintf("unknown intent %q", *ans.Intent))
		}
		intent = name
	}
	s := flows.Signals{
		Intent:     intent,
		Confidence: clamp(*ans.Confidence, 0, 1),
		WantsHuman: deref(ans.WantsHuman),
		Frustrated: deref(ans.Frustrated),
	}
	switch {
	case ans.Frustration != nil:
		s.Frustration = clamp(*ans.Frustration, 0, 1)
	case s.Frustrated:
		s.Frustration = 1 // a verdict only
	}
	if ans.Sentiment != nil {
		s.Sentiment = clamp(*ans.Sentiment, -1, 1)
	}
	if ans.Language != nil {
		s.Language = normLang(*ans.Language)
	}
	if intent != flows.UnknownIntent {
		s.Ranking = []flows.IntentScore{{Intent: intent, Score: s.Confidence}}
		if s.Confidence < a.cfg.threshold {
			s.Intent = flows.UnknownIntent
		}
	}
	return s, nil
}

// cutShort is why an answer that ended at the output bound is invalid.
func (a *Analyzer) cutShort() string {
	return fmt.Sprintf("the answer was cut at max tokens %d (finish_reason length): raise max_tokens", a.maxTokens)
}

// stripFences removes a ```json … ``` wrapper, which models without
// constrained decoding like to add.
func stripFences(s string) string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "```") {
		return s
	}
	s = strings.TrimPrefix(s, "```")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	s = strings.TrimSuffix(strings.TrimSpace(s), "```")
	return strings.TrimSpace(s)
}

// normLang keeps a two-letter code ("it", "IT", "it-IT" → "it"), else "".
func normLang(l string) string {
	l = strings.ToLower(strings.TrimSpace(l))
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	if len(l) != 2 || l[0] < 'a' || l[0] > 'z' || l[1] < 'a' || l[1] > 'z' {
		return ""
	}
	return l
}

func clamp(v, lo, hi float64) float64 {
	if math.IsNaN(v) {
		return lo
	}
	return math.Max(lo, math.Min(hi, v))
}

func deref(b *bool) bool { return b != nil && *b }
