package engine

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/batonbot/baton/flows"
)

// numberWords are the scores 0-10 written as words in Italian, English
// and Spanish (folded: no accents, lower case).
var numberWords = map[string]int{
	"zero": 0, "cero": 0,
	"one": 1, "uno": 1,
	"two": 2, "due": 2, "dos": 2,
	"three": 3, "tre": 3, "tres": 3,
	"four": 4, "quattro": 4, "cuatro": 4,
	"five": 5, "cinque": 5, "cinco": 5,
	"six": 6, "sei": 6, "seis": 6,
	"seven": 7, "sette": 7, "siete": 7,
	"eight": 8, "otto": 8, "ocho": 8,
	"nine": 9, "nove": 9, "nueve": 9,
	"ten": 10, "dieci": 10, "diez": 10,
}

// everyday are the number words that are also common words ("sei" and
// "siete": you are; "uno", "one": a pronoun; "due": owed): they are a
// score only alone, or after an article ("un sei").
var everyday = map[string]bool{"sei": true, "siete": true, "uno": true, "one": true, "due": true}

var articles = map[string]bool{"un": true, "a": true, "an": true}

// faces are emoji read as a level from 1 (angry) to 5 (delighted).
var faces = map[rune]int{
	'😡': 1, '🤬': 1, '😠': 1, '👎': 1,
	'😞': 2, '🙁': 2, '☹': 2, '😟': 2, '😢': 2, '😭': 2, '😔': 2, '😣': 2,
	'😐': 3, '😑': 3, '😕': 3, '🤔': 3, '😶': 3,
	'🙂': 4, '😊': 4, '👍': 4, '😌': 4,
	'😀': 5, '😃': 5, '😄': 5, '😁': 5, '🤩': 5, '😍': 5, '🥰': 5, '❤': 5, '👏': 5, '💯': 5,
}

// faceScore maps a face level (1-5) onto each scale.
var faceScore = map[flows.SurveyKind][6]int{
	flows.SurveyCSAT: {0, 1, 2, 3, 4, 5},
	flows.SurveyCES:  {0, 1, 2, 4, 6, 7},
	flows.SurveyNPS:  {0, 0, 3, 6, 8, 10},
}

// skipPhrases decline a survey (folded, punctuation trimmed).
var skipPhrases = map[string]bool{
	"skip": true, "no": true, "no thanks": true, "no thank you": true, "later": true, "not now": true, "pass": true, "stop": true,
	"salta": true, "no grazie": true, "dopo": true, "non ora": true, "passo": true, "basta": true, "lascia stare": true,
	"omitir": true, "saltar": true, "no gracias": true, "despues": true, "ahora no": true, "paso": true,
}

// surveyScore reads a score on kind's scale from a customer's answer:
// digits ("4", "4/5", "8 su 10", keycaps 4️⃣ and 🔟), stars (⭐⭐⭐⭐), one
// face emoji (😀), or a number word ("cinque", "ten", "nueve"). An answer
// with two different numbers, or out of the scale, is not a score.
func surveyScore(text string, kind flows.SurveyKind) (int, bool) {
	lo, hi := kind.Range()
	in := func(v int) (int, bool) { return v, v >= lo && v <= hi }
	if strings.ContainsRune(text, '🔟') {
		return in(10)
	}
	stars, face, faceN, other := 0, 0, 0, false
	var digits strings.Builder
	for _, r := range text {
		switch {
		case r == '⭐' || r == '★' || r == '🌟':
			stars++
		case r == '\uFE0F' || r == '\u20E3' || r == '\u200D':
		case faces[r] > 0:
			if face != 0 && face != faces[r] {
				other = true
			}
			face = faces[r]
			faceN++
		case r < 0x80 || unicode.IsLetter(r) || unicode.IsSpace(r) || unicode.IsPunct(r):
			digits.WriteRune(r)
		default:
			other = true
		}
	}
	rest := strings.TrimSpace(digits.String())
	if stars > 0 && rest == "" && face == 0 {
		return in(stars)
	}
	if face > 0 && rest == "" && stars == 0 && !other {
		return in(faceScore[kind][face])
	}
	if stars > 0 || face > 0 {
		return 0, false
	}
	if v, ok := digitScore(rest, hi); ok {
		return in(v)
	}
	found := -1
	words := strings.FieldsFunc(flows.Fold(rest), func(r rune) bool { return !unicode.IsLetter(r) })
	for i, w := range words {
		if everyday[w] && !(len(words) == 1 || (len(words) == 2 && i == 1 && articles[words[0]])) {
			continue // "sei stata gentile", "this one", "still due"
		}
		if v, ok := numberWords[w]; ok {
			if found >= 0 && found != v {
				return 0, false
			}
			found = v
		}
	}
	if found >= 0 {
		return in(found)
	}
	return 0, false
}

// digitScore finds the number in s: the only one, or the first of
// "N/M", "N su M", "N out of M", "N de M" where M is the scale's top.
func digitScore(s string, hi int) (int, bool) {
	var nums []int
	for i := 0; i < len(s); {
		if s[i] < '0' || s[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j-i > 3 {
			return 0, false
		}
		v, _ := strconv.Atoi(s[i:j])
		nums = append(nums, v)
		i = j
	}
	switch {
	case len(nums) == 1:
		return nums[0], true
	case len(nums) == 2 && nums[1] == hi && nums[0] != hi:
		return nums[0], true
	case len(nums) == 2 && nums[0] == nums[1]:
		return nums[0], true
	}
	return 0, false
}

// isSkip reports whether text declines the survey.
func isSkip(text string) bool {
	words := strings.FieldsFunc(flows.Fold(text), func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) || unicode.IsSymbol(r) })
	return skipPhrases[strings.Join(words, " ")]
}
