package nlu

// Resignation: a customer who gives up says so in a few words that close
// a clause ("lascia perdere.", "whatever...", "da igual, ya no quiero
// nada"). The same words going on to an object or a choice are calm:
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

// resignedFirst indexes resignedPhrases by their first word.
var resignedFirst = func() map[string][][]string {
	m := map[string][][]string{}
	for _, p := range resignedPhrases {
		m[p[0]] = append(m[p[0]], p)
	}
	return m
}()

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
	}
	return 0
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
