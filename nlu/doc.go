// Package nlu is Baton's built-in analyser: it turns a customer message into
// flows.Signals without any network call, in microseconds.
//
// It reads Italian, English and Spanish (and detects Portuguese, French and
// German), and fills:
//
//   - WantsHuman: the customer asks for a person, directly ("operatore!!!",
//     "talk to human", "pásame con alguien") or not ("is there anyone real
//     I can talk to?", "basta bot", "mi passi un collega"). Negation ("non
//     voglio un operatore, voglio solo sapere...") and traps ("l'operatore
//     del corriere mi ha detto", "mobile operator", "agent code", "Agent
//     47") do not count; a bare menu digit is not a request.
//   - Frustrated and Sentiment (in [-1, 1]): insults, complaints, sarcasm
//     ("great, third time I ask 🙄"), shouting (the share of upper-case
//     letters in words; order codes such as A12345 and acronyms do not
//     count; capitals around an order code need one more cue), "!!!" and
//     "???", angry emoji, threats to leave, to sue or to write a review,
//     asking for "someone competent", "now what?" after a complaint, a
//     demand word said last or alone ("get me a manager now") or in
//     capitals ("rimborso SUBITO"), praise taken back ("amazing
//     service... not"), intensifiers, downtoners ("a bit", "un po'")
//     and negation.
//     SentimentLabel maps a score to
//     negative (≤ -0.25), neutral or positive (≥ 0.25).
//   - Language: it, en, es, pt, fr or de from word, suffix and letter
//     profiles, and the words of each language's lexicons ("humano",
//     "operatore"); empty when unsure (the conversation's language breaks
//     ties).
//   - Intent, Confidence, Ranking: a logistic-regression classifier over
//     TF-IDF word and character n-grams, trained from the flow's example
//     phrases when the analyser is built; below the threshold the intent is
//     flows.UnknownIntent. A prior trained on the built-in corpus's
//     support intents (order status, FAQ, billing, technical,
//     cancellation, agent, greeting, other) gives the flow's classifier
//     its verdict as features, so a few examples per intent recognise
//     new wordings. The confidence is scaled by how much of the message
//     the analyser knows (out-of-domain detection): keyboard mashes,
//     scams and off-topic chat fall below the threshold.
//   - Entities: "order" (A12345, #12345, ORD-2024-0001, a bare 5–10 digit
//     number), "email" and "phone".
//
// WantsHuman and Frustrated come from the rules and lexicons below and a
// learned model beside them: logistic regressions over hashed word and
// bigram features (topic words masked, negation scoped), one with the
// rules' findings as cues and one over the words alone, their
// probabilities mixed, trained when first needed from the labelled corpus
// embedded in the binary (corpus/*.jsonl, about 9,600 messages in
// Italian, English and Spanish by several authors; see Corpus). Training
// takes about 0.2 s of CPU (the intent prior, on those and round5's 760
// more, 1.1 to 1.2 s), once per process; it is deterministic, and its weights are the
// average of its last epochs, so one training message more or less
// hardly moves its verdicts.
// The rules keep the cases they are sure of: a refused person ("non
// voglio un operatore", "no agent needed") is never WantsHuman and a
// direct request always is; a customer who says they are calm ("not
// angry, just asking") is not Frustrated unless the rules find strong
// anger, and strong anger always is. Capitals alone are caps lock, not
// shouting; spam in capitals is not anger; a message mostly about
// nothing the shop knows (a song, a football result) needs the model to
// be sure before it is anger. The flow's intent classifier never decides
// a signal.
//
// # Lexicons
//
// The lexicons are data files embedded in the binary (lexicon/NAME.LANG.txt).
// A flow extends them through flows.NLUConfig.Lexicon (name → language →
// phrases), or a program through WithLexicon. The names are:
//
//   - wants_human: phrases that ask for a person on their own ("real
//     person", "carne e ossa", "basta ... bot").
//   - human_request: verbs that ask for someone ("talk", "passami",
//     "pásame"); with a human_agent word close by in the same clause
//     (five tokens after, four before) they make WantsHuman.
//   - human_agent: who is asked for ("operator", "collega", "asesor"). On
//     its own with only fillers ("please", "subito", "ya") it is a request.
//   - bot: words for the bot itself; refusing it ("non voglio parlare con
//     un robot", "not a bot") asks for a person.
//   - not_human: traps that are not requests ("agent code", "mobile
//     operator", "are you ... human").
//   - frustrated: insults, complaints, exasperation, threats.
//   - negative, positive: sentiment words.
//   - sarcasm: praise that is ironic next to a complaint, an ironic emoji
//     or a negation ("complimenti", "oh great", "qué bien").
//   - negation: single words that cancel a phrase up to four words after
//     them in the same clause ("not", "non", "nunca").
//   - intensifier: single words that make the next phrase weigh 1.5 times
//     ("very", "molto", "muy").
//   - calm: the customer says they are calm ("not angry", "nessuna
//     fretta", "sin prisa").
//   - topic_NAME: domain words the intent classifier sees as one cue
//     (topic_money, topic_cancel, topic_delivery, topic_spam...).
//
// A phrase is matched on folded words (case, accents, full-width forms and
// emoji variants do not matter) within one clause. In a phrase, "..."
// skips up to three words, a trailing "*" matches a prefix of at least
// three letters ("vergogn*"), a leading "=" makes the phrase ignore
// negation and a trailing " @0.5" sets its weight (default 1; the rules
// find a message frustrated from a total of 1; a wants_human phrase below
// 1 is a hint the learned model weighs, not a request on its own). Lines
// starting with "#" are comments.
package nlu
