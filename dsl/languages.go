package dsl

import (
	"slices"
	"strings"

	"golang.org/x/text/language"

	"github.com/batonbot/baton/flows"
)

// commonLanguages are the codes a mistyped one is matched against for a
// did-you-mean: every ISO 639-1 code is one letter from many others.
var commonLanguages = []string{"ar", "bg", "bn", "ca", "cs", "da", "de", "el", "en", "es", "et", "fa", "fi", "fr",
	"he", "hi", "hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "ms", "nl", "no", "pl", "pt", "ro", "ru",
	"sk", "sl", "sr", "sv", "th", "tr", "uk", "ur", "vi", "zh"}

// bibliographic are the ISO 639-2/B codes (fre, ger) of languages with an
// ISO 639-1 code: BCP 47 parses them as codes of no language it knows, so
// a flow that lists one would load and match no text.
var bibliographic = map[string]string{
	"alb": "sq", "arm": "hy", "baq": "eu", "bur": "my", "chi": "zh", "cze": "cs", "dut": "nl",
	"fre": "fr", "geo": "ka", "ger": "de", "gre": "el", "ice": "is", "mac": "mk", "mao": "mi",
	"may": "ms", "per": "fa", "rum": "ro", "slo": "sk", "tib": "bo", "wel": "cy",
}

// unknownLanguage reports whether code (well formed: langCode) names no
// language a flow can use: a code in no registry ("jp"), or an ISO 639-2
// code of a language that has an ISO 639-1 one ("spa" for "es", which
// BCP 47 does not allow; "fre" for "fr"); sug is the code likely meant, isoCode when it
// is the same language's ISO 639-1 code.
func unknownLanguage(code string) (sug string, isoCode, bad bool) {
	base, rest, _ := strings.Cut(code, "-")
	if rest != "" {
		rest = "-" + rest
	}
	if iso, ok := bibliographic[strings.ToLower(base)]; ok {
		return iso + rest, true, true
	}
	b, err := language.ParseBase(base)
	if err != nil {
		if s := flows.Suggest(base, commonLanguages); s != "" {
			return s + rest, false, true
		}
		return "", false, true
	}
	if b.String() != base {
		return b.String() + rest, true, true
	}
	return "", false, false
}

// MeantLanguage is the code of speaks (a flow's languages) that code,
// which is not one of them, likely means: the same in another case
// ("EN"), the ISO 639-1 code of a three-letter one ("eng" for "en",
// "ger" for "de"), or one a typo away from a code that names no language
// ("enn"); "" when none is, as for a real language the flow does not
// speak ("es" is not "en").
func MeantLanguage(code string, speaks []string) string {
	base := strings.ToLower(strings.TrimSpace(code))
	for _, s := range speaks {
		if strings.EqualFold(s, base) {
			return s
		}
	}
	iso, ok := bibliographic[base]
	if !ok && len(base) == 3 {
		if b, err := language.ParseBase(base); err == nil {
			iso = b.String()
		}
	}
	if iso != "" && slices.Contains(speaks, iso) {
		return iso
	}
	if _, err := language.ParseBase(base); err == nil && len(base) == 2 {
		return ""
	}
	return flows.Suggest(code, speaks)
}
