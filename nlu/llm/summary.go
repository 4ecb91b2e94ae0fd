package llm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/batonbot/baton/flows"
	openai "github.com/sashabaranov/go-openai"
)

var _ flows.Summarizer = (*Analyzer)(nil)

// Limits on what a summary request carries and returns.
const (
	summaryMessages   = 40   // the last messages of the transcript
	summaryMessageLen = 500  // bytes of each message
	summaryMaxLen     = 1200 // bytes of the answer kept
)

// Summarize asks the model for the 2-3 sentences at the top of h's ticket,
// in the conversation's language: what the customer wants, what the bot
// already did or collected, why it escalated. It sends the reason, the
// variables the bot collected and the last messages of the transcript
// since the bot last took the conversation back from a person (the
// engine's system line: an earlier handoff's messages are that one's, as
// routing and the built-in summary read them), masked with flows.MaskPII unless WithMasking(false); never the contact.
// The call shares the analyser's endpoint, model, temperature, timeout and
// retries, and is not cached. On any failure it returns an error (the
// host then keeps the extractive summary).
func (a *Analyzer) Summarize(ctx context.Context, h *flows.Handoff) (string, error) {
	if h == nil {
		return "", errors.New("llm: Summarize needs a handoff")
	}
	if !slices.ContainsFunc(sinceReturn(h.Transcript), func(m flows.Message) bool { return strings.TrimSpace(m.Text) != "" }) {
		return "", errors.New("llm: summary: the handoff has no message to summarise since the bot last took the conversation back")
	}
	s, err := call(ctx, a, a.summaryRequest(h), a.parseSummary)
	if err != nil {
		return "", fmt.Errorf("llm: summary: %s", reason(err))
	}
	return s, nil
}

// maxLanguageTag is the longest language a summary prompt names: a
// BCP 47 tag such as "es-419" or "zh-Hant-TW" fits; a longer one (a flow
// that sets the language from a customer's answer) is no language, and
// the model is told to write in the customer's.
const maxLanguageTag = 16

func (a *Analyzer) summaryRequest(h *flows.Handoff) openai.ChatCompletionRequest {
	var sys strings.Builder
	sys.WriteString(`You write the note a human support agent reads at the top of a ticket, before the conversation between a customer and a support chat bot that was handed over to them. Write 2 or 3 short sentences of plain text (no list, no markdown, no greeting): what the customer wants, what the bot already did or collected, and why the conversation was escalated to a person. Use only facts from the conversation; never invent any.
`)
	if h.Language != "" && len(h.Language) <= maxLanguageTag {
		fmt.Fprintf(&sys, "Write in the conversation's language, whose ISO 639-1 code is %q.\n", h.Language)
	} else {
		sys.WriteString("Write in the language the customer writes in.\n")
	}
	if a.cfg.masking {
		sys.WriteString("Personal data was replaced by placeholders such as [email], [phone], [order] and [number]; keep them as they are.\n")
	}
	mask := func(s string) string {
		if a.cfg.masking {
			return flows.MaskPII(s)
		}
		return s
	}
	maskCut := func(s string, n int) string {
		if a.cfg.masking {
			return maskThenCut(s, n)
		}
		return shorten(s, n)
	}

	var b strings.Builder
	// Every value comes from the flow or the customer: on one line each,
	// quoted, so none can forge a line of this prompt.
	fmt.Fprintf(&b, "Why the bot escalated: %s\n", promptValue(orNone(h.Reason), 200))
	if h.State != "" {
		fmt.Fprintf(&b, "Step of the bot's flow: %s\n", promptValue(h.State, 100))
	}
	keys := make([]string, 0, len(h.Vars))
	for k, v := range h.Vars {
		if v != nil && fmt.Sprint(v) != "" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if len(keys) > 0 {
		b.WriteString("What the bot collected:\n")
		for _, k := range keys {
			fmt.Fprintf(&b, "- %s: %s\n", promptName(k), promptValue(mask(fmt.Sprint(h.Vars[k])), 200))
		}
	}
	b.WriteString("Conversation:\n")
	msgs := sinceReturn(h.Transcript)
	if len(msgs) > summaryMessages {
		msgs = msgs[len(msgs)-summaryMessages:]
	}
	for _, m := range msgs {
		text := strings.Join(strings.Fields(m.Text), " ")
		if text == "" {
			continue
		}
		fmt.Fprintf(&b, "%s: %s", roleName(m.From), maskCut(text, summaryMessageLen))
		if m.Choice != "" && m.Choice != m.Text {
			fmt.Fprintf(&b, " (chose %s)", promptValue(m.Choice, 100))
		}
		b.WriteByte('\n')
	}
	return openai.ChatCompletionRequest{
		Model: a.cfg.model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: sys.String()},
			{Role: openai.ChatMessageRoleUser, Content: b.String()},
		},
		// Temperature is set on the wire by wire.Do, as for analyses.
		ReasoningEffort: a.effort,
	}
}

// parseSummary reads the summary from a chat completion.
func (a *Analyzer) parseSummary(resp openai.ChatCompletionResponse) (string, error) {
	if len(resp.Choices) == 0 {
		return "", invalid("no choices")
	}
	ch := resp.Choices[0]
	if ch.Message.Refusal != "" {
		return "", invalid("the model refused: " + ch.Message.Refusal)
	}
	if ch.FinishReason == openai.FinishReasonLength {
		return "", invalid(a.cutShort())
	}
	s := strings.TrimSpace(stripFences(ch.Message.Content))
	if s == "" {
		return "", invalid("empty content")
	}
	return shorten(s, summaryMaxLen), nil
}

// sinceReturn is the part of a transcript after its last system line:
// what was said since the bot last took the conversation back from a
// ticket (the engine writes that line), this handoff's own.
func sinceReturn(tr []flows.Message) []flows.Message {
	for i := len(tr) - 1; i >= 0; i-- {
		if tr[i].From == flows.RoleSystem {
			return tr[i+1:]
		}
	}
	return tr
}

func roleName(r flows.Role) string {
	switch r {
	case flows.RoleUser:
		return "Customer"
	case flows.RoleBot:
		return "Bot"
	case flows.RoleAgent:
		return "Agent"
	}
	return "System"
}

func orNone(s string) string {
	if s == "" {
		return "(not given)"
	}
	return s
}
