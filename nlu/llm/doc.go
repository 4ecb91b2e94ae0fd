// Package llm is Baton's LLM analyser: it asks any OpenAI-compatible
// chat-completions endpoint for a message's signals (intent, confidence,
// wants_human, frustrated and its frustration score, sentiment, language)
// and falls back to another analyser, usually the built-in one, whenever
// the model cannot answer.
//
// # Configuration
//
// Everything is an Option to New:
//
//   - WithBaseURL: the endpoint up to the version path. OpenAI is the
//     default (https://api.openai.com/v1). Local servers speak the same
//     protocol: Ollama http://localhost:11434/v1, llama.cpp's llama-server
//     http://localhost:8080/v1, vLLM http://localhost:8000/v1, LM Studio
//     http://localhost:1234/v1.
//   - WithModel: the model name the server knows ("gpt-4o-mini",
//     "llama3.1:8b", "Qwen/Qwen2.5-7B-Instruct"). Required except on OpenAI.
//   - WithAPIKey: the bearer token. The package never reads the
//     environment; for OpenAI's own API (IsOpenAI) the baton CLI reads
//     BATON_LLM_API_KEY, then OPENAI_API_KEY, and passes the value. Any
//     other server gets only the key its config names (api_key:
//     ${NAME}), so that an OpenAI key never reaches it. Local servers
//     need none. http://api.openai.com is refused: the key would travel
//     unencrypted.
//   - WithTimeout (default 5s) bounds a whole analysis, retries included;
//     WithRetries (default 2) and WithBackoff (200ms doubling to 2s, ±50%
//     jitter) retry 429, 5xx and network errors, honouring their
//     Retry-After or retry-after-ms, or for a 429 without them the reset
//     of the limit OpenAI's x-ratelimit-* headers say is used up (read as
//     at most 24 hours; a wait that does not fit in the timeout ends the
//     retries at once).
//   - WithCooldown and WithClock: after a 429 that says when the limit
//     resets (Retry-After, retry-after-ms, or the x-ratelimit-reset-* of
//     a used-up limit), calls before then send nothing and fall back with
//     "rate limited"; a Cooldown shared among analysers (the host shares
//     one per process) holds them all.
//   - WithBudget: at most so many calls per conversation in a window (a
//     token bucket per conversation id); past it the fallback answers
//     with "conversation budget", so that a customer flooding the bot
//     does not cost a paid call per message. The host shares one per
//     process (nlu.llm.calls_per_conversation_hour).
//   - WithFallback: the analyser that answers when the model cannot.
//   - WithHybrid: ask the fallback first and the model only when the
//     fallback is unsure (see DefaultUnsure). The model's answer then
//     decides the intent and may add a request for a person or a
//     frustration, but not take back one the fallback found.
//   - WithIntents or WithNLUConfig: the intents the model may name, from the
//     flow's nlu section; WithThreshold: below it an intent is "unknown".
//   - WithMasking (default on): flows.MaskPII replaces e-mails, phone
//     numbers and order numbers before the text leaves the process.
//   - WithCache (default 1024 entries): answers are kept per language and
//     folded, masked text in a bounded LRU.
//   - WithTemperature (default 0, always sent; left out for OpenAI's
//     reasoning models, which reject it).
//   - WithReasoningEffort (default "low"): the reasoning_effort sent to
//     OpenAI's reasoning models, and to no other model. They reason at
//     "medium" unless told, often longer than the timeout; a triage of
//     one message needs little.
//   - WithMaxTokens (default 1024; 4096 for OpenAI's reasoning models,
//     whose reasoning counts too): the most the model may write per call,
//     so that a model that loops stops there. It is sent as
//     max_completion_tokens to OpenAI and for a reasoning model's name
//     (OpenAI's reasoning models reject max_tokens), as max_tokens to any
//     other server (Ollama reads no other; llama.cpp, vLLM, TGI and LM
//     Studio read it). OpenAI's tokens-per-minute limit counts it per
//     request: keep it near what an answer needs.
//
// # Failure is not an error
//
// On a timeout, an HTTP error, an unreachable server or an answer that is
// not valid JSON of the schema (or names an intent the flow does not have),
// Analyze returns the fallback's signals with Signals.Fallback saying why
// ("timeout", "http 429", "rate limited", "conversation budget",
// "invalid response: ...") and a
// nil error; the engine records it as an nlu_fallback event.
// Signals.Source is "llm" when the model answered.
//
// Entities always come from the original text, through the fallback (or
// flows.ExtractPII without one): the model only sees the masked text.
//
// # Wire format
//
// One POST to {base URL}/chat/completions with a system and a user message,
// "temperature": 0, the output bound (max_tokens or max_completion_tokens)
// and response_format {type: json_schema, strict: true} describing the
// answer. A strict JSON schema was chosen over a forced
// tool call because local servers turn it into a decoding grammar, while
// tool_choice support varies among them.
//
// # Limits
//
// A request carries at most MaxMessageBytes of the customer's message (cut
// on a rune boundary) and a system prompt of at most MaxPromptBytes (three
// examples per intent, each on one line, at most 200 bytes). A response
// body past MaxResponseBytes (64 KB) is refused rather than read whole,
// and an answer that reached WithMaxTokens (finish_reason "length") is an
// invalid response that says to raise it:
// the fallback answers (an error status's body is cut there instead, so
// the status still decides whether to retry). Every value written into a prompt (examples,
// variables, the handoff's reason and state, menu choices) has its line
// breaks and control characters collapsed and is quoted, so a value cannot
// forge a line of the prompt.
//
// # Handoff summaries
//
// The Analyzer is also a flows.Summarizer: Summarize asks the same endpoint
// and model (same timeout, retries, temperature and masking) for the 2-3
// sentences at the top of a ticket, in the conversation's language. The
// request is a system message and a user message carrying the handoff's
// reason, collected variables and last messages, masked: those since the
// bot last took the conversation back from a person (the transcript's
// last system line, which the engine writes then), as routing and the
// extractive summary read them, so that a second handoff is not summarised
// as the first one's request; the answer is the
// message content as plain text (no response_format). Unlike Analyze it
// has no fallback of its own: it returns an error, and the host keeps the
// handoff package's extractive summary.
package llm
