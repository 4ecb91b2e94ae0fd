package handoff

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
)

// MediaLinks signs links to customers' media that Baton itself serves
// (NewMediaHandler), for helpdesks that get events rather than uploads:
// the generic webhook's handoff.append carries, for each file, a URL that
// expires and cannot be altered (HMAC-SHA256 of the conversation, the
// media and the expiry, keyed with the webhook's secret).
type MediaLinks struct {
	base string
	key  []byte
	ttl  time.Duration
}

// DefaultMediaLinkTTL is how long a media link works.
const DefaultMediaLinkTTL = 24 * time.Hour

// NewMediaLinks returns links under base (the public URL the host mounts
// NewMediaHandler at, e.g. https://baton.example.com/media) signed with
// secret ("whsec_…", the webhook's), valid for ttl (0: 24h).
func NewMediaLinks(base, secret string, ttl time.Duration) (*MediaLinks, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("media links: %q is not an http(s) URL", Redact(base))
	}
	key, err := webhookKey(secret)
	if err != nil {
		return nil, fmt.Errorf("media links: %w", err)
	}
	if ttl <= 0 {
		ttl = DefaultMediaLinkTTL
	}
	return &MediaLinks{base: strings.TrimRight(base, "/"), key: key, ttl: ttl}, nil
}

// WithMediaLinks makes the webhook connector link the customer's files in
// handoff.append events.
func WithMediaLinks(l *MediaLinks) ConnectorOption {
	return func(o *connOptions) { o.links = l }
}

// WebhookAttachment is a customer's file in a handoff.append event.
type WebhookAttachment struct {
	Kind    string    `json:"kind"`
	Name    string    `json:"name,omitempty"`
	MIME    string    `json:"mime,omitempty"`
	URL     string    `json:"url"`
	Expires time.Time `json:"expires"`
}

// link is the signed link to m of conversation conv, valid until now+ttl.
func (l *MediaLinks) link(conv string, m *flows.Media, now time.Time) WebhookAttachment {
	exp := now.Add(l.ttl).UTC().Truncate(time.Second)
	q := url.Values{"k": {m.Kind}, "e": {strconv.FormatInt(exp.Unix(), 10)}}
	if m.MIME != "" {
		q.Set("m", m.MIME)
	}
	if m.Filename != "" {
		q.Set("n", m.Filename)
	}
	q.Set("s", l.sign(conv, m.ID, q))
	return WebhookAttachment{Kind: m.Kind, Name: m.Filename, MIME: m.MIME, Expires: exp,
		URL: l.base + "/" + url.PathEscape(conv) + "/" + url.PathEscape(m.ID) + "?" + q.Encode()}
}

func (l *MediaLinks) sign(conv, id string, q url.Values) string {
	h := hmac.New(sha256.New, l.key)
	for _, s := range []string{conv, id, q.Get("k"), q.Get("m"), q.Get("n"), q.Get("e")} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// NewMediaHandler serves the links of l: it checks the signature and the
// expiry (403 for a bad or expired link), fetches the file through
// fetchers (at most max bytes, 0: DefaultMaxAttachment) and sends it.
// Mount it at the path of l's base URL.
func NewMediaHandler(l *MediaLinks, fetchers MediaFetchers, max int64, opts ...HandlerOption) (http.Handler, error) {
	if l == nil || fetchers == nil {
		return nil, errors.New("media handler: needs the links and the channels' media fetchers")
	}
	if max <= 0 {
		max = DefaultMaxAttachment
	}
	o := buildHandlerOptions(opts)
	prefix := "/"
	if u, err := url.Parse(l.base); err == nil {
		prefix = strings.TrimRight(u.EscapedPath(), "/") + "/"
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			httpError(w, http.StatusMethodNotAllowed, "media: only GET")
			return
		}
		rest, ok := strings.CutPrefix(r.URL.EscapedPath(), prefix)
		convEsc, idEsc, ok2 := strings.Cut(rest, "/")
		conv, err1 := url.PathUnescape(convEsc)
		id, err2 := url.PathUnescape(idEsc)
		q := r.URL.Query()
		if !ok || !ok2 || err1 != nil || err2 != nil || conv == "" || id == "" {
			httpError(w, http.StatusNotFound, "media: no such link")
			return
		}
		if !hmac.Equal([]byte(q.Get("s")), []byte(l.sign(conv, id, q))) {
			httpError(w, http.StatusForbidden, "media: the link's signature does not match")
			return
		}
		exp, err := strconv.ParseInt(q.Get("e"), 10, 64)
		if err != nil || !o.now().Before(time.Unix(exp, 0)) {
			httpError(w, http.StatusForbidden, "media: the link has expired")
			return
		}
		fetcher := fetchers(conv)
		if fetcher == nil {
			httpError(w, http.StatusNotFound, "media: this conversation's channel is not served here")
			return
		}
		f, err := fetcher.FetchMedia(r.Context(), flows.Media{Kind: q.Get("k"), ID: id, MIME: q.Get("m"), Filename: q.Get("n")}, max)
		switch {
		case errors.Is(err, flows.ErrMediaTooLarge):
			httpError(w, http.StatusRequestEntityTooLarge, "media: the file is over "+byteSize(max))
			return
		case err != nil:
			if _, temporary := flows.RetryAfter(err); temporary {
				httpError(w, http.StatusBadGateway, "media: the channel did not answer, retry later")
			} else {
				httpError(w, http.StatusNotFound, "media: the channel no longer has this file")
			}
			return
		}
		w.Header().Set("Content-Type", mimeOf(f))
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
		w.Header().Set("Content-Length", strconv.Itoa(len(f.Data)))
		w.Header().Set("Cache-Control", "private, no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if r.Method == http.MethodGet {
			_, _ = w.Write(f.Data)
		}
	}), nil
}
