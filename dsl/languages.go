package dsl

import (
	"strings"

	"golang.org/x/text/language"

	"github.com/batonbot/baton/flows"
)

// commonLanguages are the codes a mistyped one is matched against for a
// did-you-mean: every ISO 639-1 code is one letter from many others.
var commonLanguages = []string{"ar", "bg", "bn", "ca", "cs", "da", "de", "el", "en", "es", "et", "fa", "fi", "fr",
	"he", "hi", "hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "ms", "nl", "no", "pl", "pt", "ro", "ru",
	"sk", "sl", "sr", "sv", "th", "tr", "uk", "ur", "vi", "zh"}

// unknownLanguage reports whether code (well formed: langCode) names no
// language a flow can use: a code in no registry ("jp"), or an ISO 639-2
// code of a language that has an ISO 639-1 one ("spa" for "es", which
// BCP 47 does not allow); sug is the code likely meant, isoCode when it
// is the same language's ISO 639-1 code.
func unknownLanguage(code string) (sug string, isoCode, bad bool) {
	base, rest, _ := strings.Cut(code, "-")
	if rest != "" {
		rest = "-" + rest
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
