package flows

import "time"

// Names that every expression and template can use besides the flow's own
// variables. A flow variable may not reuse one of them. The engine fills an
// environment map with these keys (and the variables) before it evaluates.
const (
	EnvText    = "text"     // string: the user's message this turn
	EnvAnswer  = "answer"   // string: in an Ask's validate, the extracted answer
	EnvLang    = "lang"     // string: the conversation's language; `set: {lang: ...}` changes it
	EnvState   = "state"    // string: the current state's name
	EnvChannel = "channel"  // string: whatsapp, telegram, web, sandbox...
	EnvUser    = "user"     // map: the contact: id, name, phone, country, and channel metadata (vip, plan...)
	EnvNoMatch = "no_match" // int: consecutive no-match count in this state
	EnvNow     = "now"      // time.Time: the turn's clock
	EnvInHours = "in_hours" // bool: the "default" calendar is open now (true when the flow has none)
	EnvHours   = "hours"    // map[string]bool: each named calendar is open now
	EnvTrigger = "trigger"  // string: the name of the trigger or reason that led here this turn
	EnvOutcome = "outcome"  // string: after a handoff's delivery or return, its status ("solved", "closed")
	// EnvSLA is the expected wait for a person, from the host's live
	// queue figures, for the handoff under way (its team and priority)
	// or else the flow's default team: first_response (words in the
	// conversation's language, "2 ore"; "" when unknown),
	// first_response_minutes (0 when unknown), first_response_by (when
	// closed hours stretch the wait, its end: "lunedì alle 10:30 CET";
	// "" otherwise), queue (handoffs waiting for the team) and team.
	EnvSLA   = "sla"
	EnvMedia = "media" // MediaEnv: what the message carried besides text: kind, id, mime, caption, filename, latitude...

	// NLU signals. Reading any of these makes the flow NeedsSignals.
	EnvIntent      = "intent"      // string: top intent, or "unknown"
	EnvConfidence  = "confidence"  // float64: its confidence in [0,1]
	EnvWantsHuman  = "wants_human" // bool
	EnvFrustrated  = "frustrated"  // bool
	EnvFrustration = "frustration" // float64 in [0,1]: how likely the customer is frustrated
	EnvSentiment   = "sentiment"   // float64 in [-1,1]
	EnvLanguage    = "language"    // string: detected language of the message
	EnvEntities    = "entities"    // map[string][]string: extracted values by kind (order, email, phone)
)

// SignalNames are the builtins filled from NLU signals.
var SignalNames = []string{EnvIntent, EnvConfidence, EnvWantsHuman, EnvFrustrated, EnvFrustration, EnvSentiment, EnvLanguage, EnvEntities}

// IsSignal reports whether name is one of SignalNames.
func IsSignal(name string) bool {
	for _, s := range SignalNames {
		if s == name {
			return true
		}
	}
	return false
}

// Builtins returns the builtin names with a zero value of their type, the
// environment the loader type-checks expressions against (add the flow's
// variables to it).
func Builtins() map[string]any {
	return map[string]any{
		EnvText:        "",
		EnvAnswer:      "",
		EnvLang:        "",
		EnvState:       "",
		EnvChannel:     "",
		EnvUser:        map[string]any{},
		EnvNoMatch:     0,
		EnvNow:         time.Time{},
		EnvInHours:     false,
		EnvHours:       map[string]bool{},
		EnvTrigger:     "",
		EnvOutcome:     "",
		EnvSLA:         map[string]any{},
		EnvMedia:       MediaEnv{},
		EnvIntent:      "",
		EnvConfidence:  0.0,
		EnvWantsHuman:  false,
		EnvFrustrated:  false,
		EnvFrustration: 0.0,
		EnvSentiment:   0.0,
		EnvLanguage:    "",
		EnvEntities:    map[string][]string{},
	}
}
