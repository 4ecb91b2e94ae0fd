package flows

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// optionTokenPrefix starts every option token; optionTokenLen is a
// token's length in bytes: the prefix and 16 characters of URL-safe
// base64 (96 bits of the id's SHA-256).
const (
	optionTokenPrefix = "~"
	optionTokenLen    = len(optionTokenPrefix) + 16
)

// OptionToken returns the short stand-in a channel sends for a menu
// option whose id its buttons cannot carry (a Telegram callback_data holds
// 64 bytes): "~" and 16 URL-safe characters derived from the id, 17 bytes
// in all. The same id always gives the same token, so nothing is stored;
// the engine takes a tapped token back as its option's id, and a flow
// whose menu has an id equal to another option's token does not load.
func OptionToken(id string) string {
	sum := sha256.Sum256([]byte(id))
	return optionTokenPrefix + base64.RawURLEncoding.EncodeToString(sum[:12])
}

// IsOptionToken reports whether s has the form of an OptionToken.
func IsOptionToken(s string) bool {
	return len(s) == optionTokenLen && strings.HasPrefix(s, optionTokenPrefix)
}

// ButtonID returns what a channel whose buttons carry at most max bytes
// sends for the option id: the id itself when it fits (so keyboards
// already sent keep working), else its OptionToken.
func ButtonID(id string, max int) string {
	if len(id) <= max {
		return id
	}
	return OptionToken(id)
}
