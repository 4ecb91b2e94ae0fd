package nlu

// Out-of-domain detection. The classifier's probabilities always add up
// to one over the flow's intents, so a keyboard mash or a scam gets a
// confident intent as easily as a real question. The confidence is
// therefore scaled by how much of the message the analyser knows: the
// share of its content words (three letters or more, not one of the
// languages' common words) that occur in the intents' examples, in the
// built-in corpus or in a lexicon of the domain. Spam (topic_spam) and off-topic requests
// (topic_offtopic) the examples do not cover lower it further. Below the
// flow's threshold the intent is unknown, and the no-match ladder takes
// over; the ranking keeps the order, with scaled scores. A message the
// prior is sure is about a support topic is scaled by no less than that
// sureness (Analyzer.domain).

const (
	// oodFloor is the factor of a message none of whose content words
	// is known; each known share adds to it, up to 1.
	oodFloor = 0.25
	// oodNoWords is the factor of a message with no word at all ("?",
	// "1", "😂").
	oodNoWords  = 0.5
	oodSpam     = 0.3
	oodOffTopic = 0.5
)

var topicOffTopic = cueHash("topic:offtopic")

// contentWord reports a word that can tell a domain: letters only, three
// or more, not a common word of a language.
func (a *Analyzer) contentWord(t *token) bool {
	return t.alpha() && t.letters >= 3 && !a.lang.common[t.text]
}

// inDomain returns the factor, in (0, 1], by which the intent scores of
// the message in s are scaled.
func (a *Analyzer) inDomain(s *scratch) float64 {
	words, common, content, known := 0, 0, 0, 0
	offTopic, spam := false, false
	// covered marks the tokens inside a phrase of a domain lexicon.
	if cap(s.covered) < len(s.toks) {
		s.covered = make([]bool, len(s.toks))
	}
	s.covered = s.covered[:len(s.toks)]
	clear(s.covered)
	for _, h := range s.hits {
		if h.lex == lexTopic {
			spam = spam || h.topicHash == topicSpam
			offTopic = offTopic || h.topicHash == topicOffTopic
			if h.topicHash == topicSpam || h.topicHash == topicOffTopic {
				continue
			}
		}
		for i := h.start; i < h.end && i < len(s.covered); i++ {
			s.covered[i] = true
		}
	}
	for i := range s.toks {
		t := &s.toks[i]
		if t.kind != tokWord {
			continue
		}
		words++
		if a.lang.common[t.text] {
			common++
		}
		if !a.contentWord(t) {
			continue
		}
		content++
		if s.covered[i] || a.vocab[t.text] || a.prior != nil && a.prior.vocab[t.text] {
			known++
		}
	}
	f := 1.0
	switch {
	case words == 0, content == 0 && common == 0:
		// "?", "😂", "x x x x", "1 2 3": nothing a language says.
		f = oodNoWords
	case content > 0:
		f = min(1, oodFloor+float64(known)/float64(content))
	}
	if spam {
		f *= oodSpam
	}
	if offTopic && !a.coversOffTopic(s) {
		f *= oodOffTopic
	}
	return f
}

// coversOffTopic reports whether the intents' examples know the words of
// the off-topic phrases in s: a flow with a small-talk intent wants them.
func (a *Analyzer) coversOffTopic(s *scratch) bool {
	for _, h := range s.hits {
		if h.lex != lexTopic || h.topicHash != topicOffTopic {
			continue
		}
		for i := h.start; i < h.end; i++ {
			if !a.vocab[s.toks[i].text] {
				return false
			}
		}
	}
	return true
}
