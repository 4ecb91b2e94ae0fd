package nlu

import (
	"io/fs"
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

// Languages are the languages the detector knows, in a fixed order.
var Languages = []string{"en", "it", "es", "pt", "fr", "de"}

// langProfile is the data language detection scores with: each feature
// carries a weight per language, already divided among the languages that
// share it ("la" counts a third for it, es and fr).
type langProfile struct {
	words    map[string][]langWeight
	suffixes []suffixFeature
	// suffixAt indexes suffixes by text; the first in file order wins.
	suffixAt             map[string]int
	minSuffix, maxSuffix int
	chars                map[rune][]langWeight
	// common are the languages' common words (lang.*.txt), which say
	// nothing about a message's domain.
	common map[string]bool
}

type langWeight struct {
	lang int
	w    float64
}

type suffixFeature struct {
	suffix string
	lang   []langWeight
}

const (
	suffixWeight = 0.5
	// lexWordWeight is the weight of a word found only in a language's
	// lexicons.
	lexWordWeight = 0.9
	charWeight    = 1.5
	// minLangScore is the least evidence for a language; below it, or when
	// two languages are close, Language stays empty.
	minLangScore = 0.9
	langMargin   = 0.35
)

func loadLangProfile() (*langProfile, error) {
	words := map[string][]int{}
	suffixes := map[string][]int{}
	chars := map[rune][]int{}
	var order []string
	var buf []token
	for li, lang := range Languages {
		data, err := lexiconFS.ReadFile("lexicon/lang." + lang + ".txt")
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			for _, f := range strings.Fields(line) {
				switch {
				case strings.HasPrefix(f, "-") && len(f) > 1:
					s := foldString(f[1:], buf[:0])
					if _, ok := suffixes[s]; !ok {
						order = append(order, s)
					}
					suffixes[s] = appendOnce(suffixes[s], li)
				case strings.HasPrefix(f, "+"):
					r, _ := utf8.DecodeRuneInString(f[1:])
					chars[r] = appendOnce(chars[r], li)
				default:
					buf = tokenize(f, buf[:0])
					for _, t := range buf {
						if t.kind == tokWord {
							words[t.text] = appendOnce(words[t.text], li)
						}
					}
				}
			}
		}
	}
	// The words of the per-language lexicons (wants_human.es.txt,
	// frustrated.it.txt...) are support vocabulary of their language:
	// "humano", "operatore", "vergüenza". They count almost as much as a common word,
	// so short messages made of them ("hablar con un humano", "operatore
	// subito") have a language.
	lexWords := map[string][]int{}
	files, err := fs.Glob(lexiconFS, "lexicon/*.txt")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		parts := strings.Split(strings.TrimSuffix(path.Base(f), ".txt"), ".")
		if len(parts) != 2 || parts[0] == "lang" {
			continue
		}
		li := slices.Index(Languages, parts[1])
		if li < 0 {
			continue
		}
		data, err := lexiconFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			buf = tokenize(line, buf[:0])
			for _, t := range buf {
				if t.alpha() && len(t.text) >= 4 && words[t.text] == nil {
					lexWords[t.text] = appendOnce(lexWords[t.text], li)
				}
			}
		}
	}
	p := &langProfile{words: map[string][]langWeight{}, chars: map[rune][]langWeight{}, common: map[string]bool{}}
	for w := range words {
		p.common[w] = true
	}
	share := func(langs []int, w float64) []langWeight {
		out := make([]langWeight, len(langs))
		for i, l := range langs {
			out[i] = langWeight{l, w / float64(len(langs))}
		}
		return out
	}
	for w, ls := range words {
		p.words[w] = share(ls, 1)
	}
	for w, ls := range lexWords {
		p.words[w] = share(ls, lexWordWeight)
	}
	p.suffixAt = map[string]int{}
	p.minSuffix = 1 << 30
	for i, s := range order {
		p.suffixes = append(p.suffixes, suffixFeature{s, share(suffixes[s], suffixWeight)})
		p.suffixAt[s] = i
		p.minSuffix, p.maxSuffix = min(p.minSuffix, len(s)), max(p.maxSuffix, len(s))
	}
	for r, ls := range chars {
		p.chars[r] = share(ls, charWeight)
	}
	return p, nil
}

func appendOnce(s []int, v int) []int {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// foldString folds s as the tokenizer does and joins its words.
func foldString(s string, buf []token) string {
	buf = tokenize(s, buf)
	parts := make([]string, 0, len(buf))
	for _, t := range buf {
		parts = append(parts, t.text)
	}
	return strings.Join(parts, "")
}

// detect returns the language of a message, or "" when unsure. hint (the
// conversation's language) breaks near ties.
func (p *langProfile) detect(raw string, toks []token, hint string) string {
	var score [8]float64
	for i := range toks {
		t := &toks[i]
		if t.kind != tokWord || t.digits > 0 {
			continue
		}
		for _, lw := range p.words[t.text] {
			score[lw.lang] += lw.w
		}
		if len(t.text) >= 5 {
			first := -1
			for n := p.minSuffix; n <= p.maxSuffix && n <= len(t.text); n++ {
				if i, ok := p.suffixAt[t.text[len(t.text)-n:]]; ok && (first < 0 || i < first) {
					first = i
				}
			}
			if first >= 0 {
				for _, lw := range p.suffixes[first].lang {
					score[lw.lang] += lw.w
				}
			}
		}
	}
	var seen [4]rune
	n := 0
	for _, r := range raw {
		if r < 0xA0 {
			continue
		}
		if r >= 'À' && r <= 'Þ' {
			r += 'a' - 'A' // upper-case Latin-1 letters
		}
		lws, ok := p.chars[r]
		if !ok {
			continue
		}
		dup := false
		for _, s := range seen[:n] {
			dup = dup || s == r
		}
		if dup {
			continue
		}
		if n < len(seen) {
			seen[n] = r
			n++
		}
		for _, lw := range lws {
			score[lw.lang] += lw.w
		}
	}
	best, second := -1, -1
	for i := range Languages {
		if best < 0 || score[i] > score[best] {
			best, second = i, best
		} else if second < 0 || score[i] > score[second] {
			second = i
		}
	}
	if score[best] < minLangScore {
		return ""
	}
	if score[best]-score[second] < langMargin*score[best] {
		if hint == Languages[best] || hint == Languages[second] {
			return hint
		}
		return ""
	}
	return Languages[best]
}
