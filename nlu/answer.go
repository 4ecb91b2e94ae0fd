package nlu

// Bare answers: a customer greeting the bot or answering its question
// ("Ti serve altro?" "no", "What's your order number?" "123", "¿Algo
// más?" "nada, gracias", "non lo so") says nothing about how they feel.
// With no evidence the signal model returns about its training share of
// frustrated messages (a quarter and more), which a flow's frustration bar
// can reach: "no" or a wrong order number would hand the customer off as
// upset. A bare answer the rules find nothing angry in is cleared instead
// (at most clearedScore), like a customer who says they are calm.

// answerWords are the words of a bare answer, folded. Not "ancora",
// "still", "todavía", "basta": "ancora niente", "still nothing" and
// "basta" can be impatience.
var answerWords = set(
	"si", "no", "ok", "okay", "okk", "va", "bene", "grazie", "mille", "molte", "niente", "nulla", "nient", "altro", "forse",
	"dopo", "non", "so", "lo", "boh", "certo", "tutto", "a", "posto", "apposto", "per", "ora", "adesso",
	"yes", "yeah", "yep", "yup", "nope", "nah", "k", "thanks", "thank", "you", "thx", "much", "very", "nothing", "else", "more",
	"maybe", "later", "not", "now", "i", "dont", "don", "t", "know", "sure", "fine", "all", "good", "that",
	"thats", "s", "it", "for",
	"vale", "gracias", "muchas", "nada", "mas", "quizas", "luego", "se", "bien", "claro", "todo", "bueno", "ahora", "por", "ya",
	// greetings, and coming back: "ciao di nuovo", "hi again", "hola de nuevo"
	"ciao", "salve", "buongiorno", "buonasera", "rieccomi", "eccomi", "di", "nuovo",
	"hello", "hi", "hey", "morning", "evening", "afternoon", "again",
	"hola", "buenas", "buenos", "dias", "tardes", "de", "nuevo",
)

// plainAnswer reports whether the rules found nothing angry but the
// negative words a bare answer is made of ("no", "niente", "nada",
// "nothing"): no angry word, heavy punctuation, repetition ("NO. NO.
// NO."), demand, impatience, resignation or deadline.
//
// Sarcasm is left out: in a bare answer it can only be the thanks after
// the answer's own "no" or "nothing" ("niente, grazie"); the idioms of
// thanks for nothing ("grazie per niente", "gracias por nada") are angry
// words of the lexicon.
func (m *moodParts) plainAnswer() bool {
	return m.lex == 0 && m.punct == 0 && m.repeat == 0 && m.demand == 0 && m.patience == 0 &&
		m.resigned == 0 && m.deadline == 0
}

// calmEmoji may end a bare answer: "no grazie 🙂", "ok 👍".
var calmEmoji = set("🙂", "😊", "👍", "🙏", "👌")

// bareAnswerWords is the most words a bare answer has.
const bareAnswerWords = 6

// bareAnswer reports whether toks are a short answer and nothing else:
// answer words and numbers, a full stop, comma or question mark, a calm
// emoji; no stretched word ("nooo"), no "!" or "??".
func bareAnswer(toks []token) bool {
	words := 0
	for i := range toks {
		t := &toks[i]
		switch t.kind {
		case tokWord:
			words++
			if words > bareAnswerWords || t.stretched || t.letters > 0 && !answerWords[t.text] {
				return false
			}
		case tokEmoji:
			if !calmEmoji[t.text] {
				return false
			}
		case tokPunct:
			if t.text != "." && t.text != "," && t.text != "?" && t.text != "..." {
				return false
			}
		}
	}
	return words > 0
}

// nothingWords and elseWords make the closing "nothing else": "niente
// altro", "nient'altro", "nothing more", "nada más".
var (
	nothingWords = set("nothing", "niente", "nient", "nulla", "nada")
	elseWords    = set("else", "more", "altro", "mas")
)

// nothingElse reports whether the negative hit h is the "nothing" of
// "nothing else": an answer to "anything else?", not a complaint, so the
// thanks after it ("nothing else, thanks", "nada más, gracias") is not
// ironic.
func nothingElse(toks []token, h hit) bool {
	if h.end != h.start+1 || h.start >= len(toks) || !nothingWords[toks[h.start].text] {
		return false
	}
	for i := h.end; i < len(toks); i++ {
		if toks[i].kind == tokWord {
			return elseWords[toks[i].text]
		}
	}
	return false
}

// bareNo reports whether toks[i] is a "no" that is a clause of its own
// ("no, nothing else. thanks", "No. Grazie"): an answer to the bot, not a
// complaint ("no funciona, gracias").
func bareNo(toks []token, i int) bool {
	if toks[i].text != "no" {
		return false
	}
	// Clauses run in order: the nearest words on each side tell.
	for _, step := range []int{-1, 1} {
		for j := i + step; j >= 0 && j < len(toks) && toks[j].clause == toks[i].clause; j += step {
			if toks[j].kind == tokWord {
				return false
			}
		}
	}
	return true
}
