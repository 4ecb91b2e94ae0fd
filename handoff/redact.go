package handoff

import (
	"net/url"
	"regexp"
	"strings"
)

// urlInText finds URLs in free text (error messages, logs).
var urlInText = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*://[^\s"'<>` + "`" + `]+`)

// Redact hides the secrets URLs carry in s: the user and password of
// "https://user:pass@host" and the values of query parameters
// ("?token=${HOOK_TOKEN}" becomes "?token=[redacted]"). Connectors apply
// it to every error they return, so delivery logs, the store's last_error,
// `baton handoff list` and the sandbox never show a webhook's token.
func Redact(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return urlInText.ReplaceAllStringFunc(s, redactURL)
}

func redactURL(raw string) string {
	// Keep trailing punctuation of the sentence out of the URL.
	trail := ""
	for len(raw) > 0 && strings.ContainsRune(".,;:)]}", rune(raw[len(raw)-1])) {
		trail = raw[len(raw)-1:] + trail
		raw = raw[:len(raw)-1]
	}
	return redactOneURL(raw, nil) + trail
}

// redactOneURL hides the userinfo of raw and the values of its query
// parameters (only those in keys when keys is not nil); the fragment is
// dropped. Text that does not parse loses everything after "?".
func redactOneURL(raw string, keys map[string]bool) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.IndexAny(raw, "?#"); i >= 0 {
			raw = raw[:i] + "?[redacted]"
		}
		if i := strings.Index(raw, "://"); i >= 0 {
			if at := strings.LastIndex(raw[i+3:], "@"); at >= 0 {
				raw = raw[:i+3] + "[redacted]@" + raw[i+3+at+1:]
			}
		}
		return raw
	}
	if u.User == nil && u.RawQuery == "" && u.Fragment == "" {
		return raw
	}
	var b strings.Builder
	b.WriteString(u.Scheme + "://")
	if u.User != nil {
		b.WriteString("[redacted]@")
	}
	b.WriteString(u.Host)
	b.WriteString(u.EscapedPath())
	if u.RawQuery != "" {
		b.WriteString("?")
		for i, part := range strings.Split(u.RawQuery, "&") {
			if i > 0 {
				b.WriteString("&")
			}
			k, _, hasValue := strings.Cut(part, "=")
			name, _ := url.QueryUnescape(k)
			if keys != nil && !keys[name] {
				b.WriteString(part)
				continue
			}
			b.WriteString(k)
			if hasValue {
				b.WriteString("=[redacted]")
			}
		}
	}
	return b.String()
}

// secretQueryKeys are the query parameters of a configured URL (a
// webhook's "?token=..."): values a recording must not show.
func secretQueryKeys(raw string) map[string]bool {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return nil
	}
	keys := map[string]bool{}
	for k := range u.Query() {
		keys[k] = true
	}
	return keys
}
