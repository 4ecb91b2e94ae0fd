package nlu

// Resignation: a customer who gives up says so in a few words that close
// a clause ("lascia perdere.", "whatever...", "da igual, ya no quiero
// nada"), or ends by saying the failure is the usual one ("e niente,
// come al solito.", "as usual.", "lo de siempre."). The same words going on to an object or a choice are calm:
// "lascia perdere il messaggio di prima", "whatever works for you", "da
// igual el color", "lo que sea más barato".

// resignedPhrases end a clause when said in resignation, folded.
var resignedPhrases = [][]string{
	{"lascia", "perdere"}, {"lasciamo", "perdere"}, {"lasciate", "perdere"}, {"lascio", "perdere"},
	{"vabbe"}, {"vabbuo"}, {"come", "volete"}, {"come", "vi", "pare"}, {"fate", "voi"},
	{"whatever"}, {"forget", "it"}, {"suit", "yourselves"}, {"suit", "yourself"},
	{"da", "igual"}, {"lo", "que", "sea"}, {"olvidalo"}, {"olvidenlo"}, {"dejalo"}, {"pues", "nada"},
	{"como", "quieran"}, {"alla", "ustedes"},
}

// wearyPhrases say the failure is the usual one; they count only at the
// very end of the message ("lo de siempre, dos cajas de té" orders the
// usual).
var wearyPhrases = [][]string{
	{"come", "al", "solito"}, {"as", "usual"}, {"like", "always"}, {"same", "old"},
	{"lo", "de", "siempre"}, {"como", "de", "costumbre"},
}

// resignedFirst and wearyFirst index the phrases by their first word.
var resignedFirst, wearyFirst = byFirstWord(resignedPhrases), byFirstWord(wearyPhrases)

func byFirstWord(ps [][]string) map[string][][]string {
	m := map[string][][]string{}
	for _, p := range ps {
		m[p[0]] = append(m[p[0]], p)
	}
	return m
}

// resignedAt is the weight of a resigned clause: frustration on its own.
const resignedAt = 1.0

// resignedScore weighs a resignation phrase that ends its clause (a
// comma, a full stop, an emoji or the end of the message follows). A
// message with praise or a calm word ("never mind, all sorted 😊") is not
// resigned.
func resignedScore(toks []token, pos float64, calm bool) float64 {
	if pos > 0 || calm {
		return 0
	}
	for i := range toks {
		t := &toks[i]
		if t.kind != tokWord {
			continue
		}
		for _, p := range resignedFirst[t.text] {
			end := i + len(p)
			if end > len(toks) || !wordsAt(toks, i, p) {
				continue
			}
			if end == len(toks) || toks[end].kind != tokWord || toks[end].clause != toks[end-1].clause {
				return resignedAt
			}
		}
		for _, p := range wearyFirst[t.text] {
			if end := i + len(p); end <= len(toks) && wordsAt(toks, i, p) && !wordAfter(toks, end) {
				return resignedAt
			}
		}
	}
	return 0
}

// wordAfter reports whether a word follows toks[i:].
func wordAfter(toks []token, i int) bool {
	for ; i < len(toks); i++ {
		if toks[i].kind == tokWord {
			return true
		}
	}
	return false
}

// wordsAt reports whether the words of p start at toks[i], in one clause.
func wordsAt(toks []token, i int, p []string) bool {
	for k, w := range p {
		t := &toks[i+k]
		if t.kind != tokWord || t.clause != toks[i].clause || t.text != w {
			return false
		}
	}
	return true
}
