package handoff

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
)

// Deliver hands an input that came back from a helpdesk to the
// conversation it belongs to; the host loads the session and runs the
// turn. An error makes the handler answer 503 with a Retry-After of
// BridgeRetryAfter, so the helpdesk retries; ErrDuplicate says the input
// was a redelivery and was dropped; ErrUnknownConversation that the
// conversation is not served here (404).
type Deliver func(ctx context.Context, conversationID string, in flows.Input) error

// ErrDuplicate is what a Deliver that dedupes (HandlerAcceptDedupe)
// returns for a redelivery it dropped: the handler answers 200 without
// delivering it again.
var ErrDuplicate = errors.New("this delivery was already received")

// ErrUnknownConversation is what a Deliver returns (wrapped or not) for a
// conversation it does not serve (no such channel account, not a
// conversation id): the handler answers 404, as a retry cannot succeed.
var ErrUnknownConversation = errors.New("no such conversation is served here")

// TicketLookup finds the conversation a ticket belongs to, for inbound
// requests that do not carry the conversation id. It returns "" for a
// ticket Baton does not know.
type TicketLookup func(ctx context.Context, t flows.TicketRef) (conversationID string, err error)

// HandlerOption configures an inbound handler.
type HandlerOption func(*handlerOptions)

type handlerOptions struct {
	now       func() time.Time
	maxBody   int64
	tolerance time.Duration
	lookup    TicketLookup
	// dedupe remembers delivered requests for dedupeTTL (content-derived
	// keys, Freshdesk's, for contentTTL at most).
	dedupe     flows.Deduper
	dedupeTTL  time.Duration
	contentTTL time.Duration
	// onAccept leaves dedupe to Deliver (HandlerAcceptDedupe).
	onAccept bool
	// statusHold is how long a Zendesk or Freshdesk status waits for the
	// agent's reply of the same update (HandlerStatusHold); timers run
	// it.
	statusHold time.Duration
	timers     Clock
}

// DefaultMaxBody is the largest request body the handlers read.
const DefaultMaxBody = 1 << 20

// BridgeRetryAfter is the Retry-After the handlers send with a 503 when a
// request could not be taken (Deliver, the dedupe store or the ticket
// lookup failed). Zendesk's webhooks retry a 503 (or 429) only when it
// carries a Retry-After under 60 seconds, and never a 500; Freshdesk's
// automations and Standard Webhooks senders retry any 5xx.
const BridgeRetryAfter = 10 * time.Second

func buildHandlerOptions(opts []HandlerOption) *handlerOptions {
	o := &handlerOptions{now: time.Now, maxBody: DefaultMaxBody, tolerance: 5 * time.Minute,
		dedupeTTL: DefaultDedupeTTL, contentTTL: DefaultContentDedupeTTL, statusHold: DefaultStatusHold}
	for _, opt := range opts {
		if opt != nil {
			opt(o)
		}
	}
	if o.timers == nil {
		o.timers = nowClock{o.now}
	}
	if o.dedupe == nil {
		o.dedupe = newMemDeduper(o.now)
	}
	return o
}

// Defaults of the handlers' dedupe.
const (
	// DefaultDedupeTTL is how long a delivery id (Zendesk's invocation id,
	// a Standard Webhooks webhook-id) is remembered. It outlasts the
	// longest documented retry schedule of a Standard Webhooks sender,
	// Svix's (5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after each
	// failure: the last attempt about 27 h 35 min after the first), so a
	// retry of a delivery whose answer was lost is not delivered again.
	DefaultDedupeTTL = 48 * time.Hour
	// DefaultContentDedupeTTL is how long a Freshdesk request, which
	// carries no delivery id (nor can its automation's body: no
	// placeholder names the conversation that fired it), is remembered by
	// its ticket and content. It outlasts Freshdesk's last retry, 95
	// minutes after the first try, so a reply whose answer was lost
	// reaches the customer once. The price: an agent's identical reply on
	// the same ticket within it is taken for a redelivery and not sent.
	DefaultContentDedupeTTL = 2 * time.Hour
)

// HandlerDeduper makes the handler remember deliveries in d (the store's
// flows.Deduper, shared by every process) for ttl (default 48h; 0 keeps
// the default): a helpdesk's redelivery of the same request, or a replay
// within the timestamp window, is answered 200 and not delivered again.
// Without it each handler remembers in its own memory.
func HandlerDeduper(d flows.Deduper, ttl time.Duration) HandlerOption {
	return func(o *handlerOptions) {
		if d != nil {
			o.dedupe = d
		}
		if ttl > 0 {
			o.dedupeTTL = ttl
		}
	}
}

// HandlerAcceptDedupe leaves dropping redeliveries to Deliver, which
// must do it in the same write that makes an input durable: a host's
// inbox, keyed by the request's Delivery (its Key is the inbox entry's id,
// remembered for its TTL: ttl for a helpdesk's delivery id, default 48h,
// the content TTL for a Freshdesk request). Deliver returns ErrDuplicate
// for a redelivery it dropped. The handler then keeps no record of its
// own: a delivery whose accept failed (500) is taken when the helpdesk
// retries it, whichever process the retry reaches, and a crash between
// the record and the accept cannot swallow it. Use it instead of
// HandlerDeduper with a Deliver that is durable.
func HandlerAcceptDedupe(ttl time.Duration) HandlerOption {
	return func(o *handlerOptions) {
		o.onAccept = true
		if ttl > 0 {
			o.dedupeTTL = ttl
		}
	}
}

// HandlerContentDedupe sets how long a Freshdesk request is remembered by
// its ticket and content (default 2 hours, past Freshdesk's last retry;
// never longer than the delivery-id TTL).
func HandlerContentDedupe(ttl time.Duration) HandlerOption {
	return func(o *handlerOptions) {
		if ttl > 0 {
			o.contentTTL = ttl
		}
	}
}

// HandlerClock sets the clock signatures' timestamps are checked against.
func HandlerClock(now func() time.Time) HandlerOption {
	return func(o *handlerOptions) {
		if now != nil {
			o.now = now
		}
	}
}

// HandlerMaxBody limits request bodies to n bytes (default 1 MiB); larger
// requests get 413.
func HandlerMaxBody(n int64) HandlerOption {
	return func(o *handlerOptions) {
		if n > 0 {
			o.maxBody = n
		}
	}
}

// HandlerTolerance sets how far a request's signed timestamp may be from
// now (default 5 minutes): Zendesk's X-Zendesk-Webhook-Signature-Timestamp,
// the generic callback's webhook-timestamp. Older (or later) requests are
// refused with 401, so a captured request cannot be replayed later.
func HandlerTolerance(d time.Duration) HandlerOption {
	return func(o *handlerOptions) {
		if d > 0 {
			o.tolerance = d
		}
	}
}

// HandlerTicketLookup resolves a ticket to its conversation when the
// request has no conversation id (e.g. a Freshdesk account without the
// conversation field).
func HandlerTicketLookup(f TicketLookup) HandlerOption {
	return func(o *handlerOptions) { o.lookup = f }
}

// inbound is one input a decoder found in a request.
type inbound struct {
	conversationID string
	ticket         flows.TicketRef
	in             flows.Input
}

// bridgeHandler is the request lifecycle every inbound handler shares.
type bridgeHandler struct {
	name    string
	o       *handlerOptions
	deliver Deliver
	// verify checks the request's signature or secret.
	verify func(r *http.Request, body []byte) error
	// decode turns a verified body into inputs.
	decode func(body []byte) ([]inbound, error)
	// key names the request for dedupe: the helpdesk's delivery id, or
	// one derived from the content ("" when there is none); content keys
	// are kept for the content TTL.
	key func(r *http.Request, body []byte) (key string, content bool)
	// replay names a signed request by its signature ("" when it has
	// none): the same signed request again within the timestamp window is
	// a replay, whatever its unsigned delivery id says.
	replay func(r *http.Request) string
	// failed holds delivery keys whose delivery failed: the helpdesk's
	// retry of them is delivered, though the deduper has seen them (a
	// signed request's failures are in the deduper: replayRetry).
	failed keySet
	// hold is how long a status that solves or closes a ticket waits for
	// the agent's reply of the same update (0: it does not); replies
	// tells it of the replies delivered.
	hold    time.Duration
	replies replyWatch
}

// holdFor is the hold of a handler whose helpdesk sends an agent's
// reply and the status of one update in two requests, in either order.
func (o *handlerOptions) holdFor() time.Duration {
	return max(o.statusHold, 0)
}

func (b *bridgeHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		httpError(w, http.StatusMethodNotAllowed, b.name+": only POST is accepted")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, b.o.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("%s: body over %d bytes", b.name, b.o.maxBody))
			return
		}
		httpError(w, http.StatusBadRequest, b.name+": cannot read the body")
		return
	}
	if err := b.verify(r, body); err != nil {
		httpError(w, http.StatusUnauthorized, b.name+": "+err.Error())
		return
	}
	items, err := b.decode(body)
	if err != nil {
		httpError(w, http.StatusBadRequest, b.name+": "+err.Error())
		return
	}
	ctx := r.Context()
	key, content, ttl := "", false, b.o.dedupeTTL
	if b.key != nil {
		if key, content = b.key(r, body); key != "" {
			key = b.name + ":" + key
			if content {
				ttl = min(ttl, b.o.contentTTL)
			}
		}
	}
	var rp replayed
	if b.replay != nil {
		if sig := b.replay(r); sig != "" {
			rp.key = "bridge:" + b.name + ":signed:" + contentKey(sig)
			state, err := b.claimSigned(ctx, &rp)
			switch {
			case err != nil:
				retryLater(w, b.name+": the dedupe store failed, retry later")
				return
			case state == signedReplay:
				alreadyReceived(w, b.name)
				return
			case state == signedUnderWay:
				retryLater(w, b.name+": this request is under way at another process (or was, until it stopped), retry later")
				return
			}
			defer b.doneSigned(ctx, rp)
		}
	}
	if key != "" && !b.o.onAccept {
		dup, err := b.o.dedupe.Seen(ctx, "bridge:"+key, ttl)
		if err != nil {
			b.markFailed(ctx, "", rp)
			retryLater(w, b.name+": the dedupe store failed, retry later")
			return
		}
		if dup && !b.failed.take(key) {
			alreadyReceived(w, b.name)
			return
		}
	}
	delivered, dups, unknown := 0, 0, 0
	var replied map[string]bool // conversations this request gave a reply
	for i, it := range items {
		conv := it.conversationID
		if conv == "" && b.o.lookup != nil && it.ticket.ID != "" {
			if conv, err = b.o.lookup(ctx, it.ticket); err != nil {
				b.markFailed(ctx, key, rp)
				retryLater(w, b.name+": ticket lookup failed, retry later")
				return
			}
		}
		if conv == "" {
			continue
		}
		if b.hold > 0 && endsHandoff(it.in) && !replied[conv] {
			if err := b.holdStatus(ctx, conv); err != nil {
				b.markFailed(ctx, key, rp)
				retryLater(w, b.name+": the request ended while the status waited for the agent's reply, retry later")
				return
			}
		}
		dctx := ctx
		if key != "" && (b.o.onAccept || !content) {
			// Each input of the request by its index. Without
			// HandlerAcceptDedupe only the helpdesk's own delivery ids:
			// a content key kept as long would also match a later
			// identical reply.
			dctx = WithDelivery(ctx, Delivery{Key: key + "#" + strconv.Itoa(i), TTL: ttl})
		}
		err := b.deliver(dctx, conv, it.in)
		if it.in.Kind == flows.InputAgent && (err == nil || errors.Is(err, ErrDuplicate)) {
			b.replies.replied(conv, b.o.now())
			if replied == nil {
				replied = map[string]bool{}
			}
			replied[conv] = true
		}
		switch {
		case errors.Is(err, ErrDuplicate):
			dups++
			continue
		case errors.Is(err, ErrUnknownConversation):
			b.markFailed(ctx, key, rp) // taken if retried once it is served
			unknown++
			continue
		case err != nil:
			b.markFailed(ctx, key, rp)
			retryLater(w, b.name+": delivery failed, retry later")
			return
		}
		delivered++
	}
	if delivered == 0 && dups > 0 {
		alreadyReceived(w, b.name)
		return
	}
	if delivered == 0 && unknown > 0 {
		httpError(w, http.StatusNotFound, b.name+": the request names a conversation Baton does not serve here (check the ticket's conversation id); nothing delivered")
		return
	}
	if delivered == 0 {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, b.name+": nothing for Baton in this request (no conversation id, or an event Baton ignores)\n")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// replayed is a signed request's replay check: its key in the deduper
// and which attempt at delivering it this is (0: the first).
type replayed struct {
	key     string
	attempt int
}

// maxReplayRetries bounds the retries of one signed request that are
// taken after failed attempts (Zendesk retries a few times at most).
const maxReplayRetries = 32

// signedLive is how long, past the status hold, an attempt at a signed
// request holds it: longer than any attempt takes, so that a retry
// meanwhile is answered 503, and short enough that the helpdesk's retry
// after an attempt that never ended (its process died) is taken.
const signedLive = 10 * time.Second

// What claimSigned found.
const (
	signedTaken = iota
	signedReplay
	signedUnderWay
)

// claimSigned tells a signed request seen before apart, in the deduper
// the processes share. Each attempt at it is claimed (":live", for the
// status hold and signedLive) and marked done when it answers, failed
// too when it failed. A request whose attempts all failed is taken as
// the next attempt; one whose attempt succeeded is a replay; one whose
// attempt is claimed and not done is under way, or was until its process
// died: retried later, it is taken once the claim has lapsed.
func (b *bridgeHandler) claimSigned(ctx context.Context, rp *replayed) (int, error) {
	for n := range maxReplayRetries {
		k := rp.key + ":" + strconv.Itoa(n)
		// A ttl of 0 only reads.
		done, err := b.o.dedupe.Seen(ctx, k+":done", 0)
		if err != nil {
			return 0, err
		}
		if done {
			failed, err := b.o.dedupe.Seen(ctx, k+":failed", 0)
			if err != nil {
				return 0, err
			}
			if !failed {
				return signedReplay, nil
			}
			continue
		}
		live, err := b.o.dedupe.Seen(ctx, k+":live", b.hold+signedLive)
		if err != nil {
			return 0, err
		}
		if live {
			return signedUnderWay, nil
		}
		rp.attempt = n
		return signedTaken, nil
	}
	return signedReplay, nil
}

// doneSigned records that the attempt rp answered (failed attempts are
// marked so first): the same signed request again is a replay, or the
// retry of a failure.
func (b *bridgeHandler) doneSigned(ctx context.Context, rp replayed) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	b.o.dedupe.Seen(ctx, rp.key+":"+strconv.Itoa(rp.attempt)+":done", 2*b.o.tolerance)
}

// markFailed remembers that the delivery of a request failed, so that
// the helpdesk's retry of it is taken though its keys were seen.
func (b *bridgeHandler) markFailed(ctx context.Context, key string, rp replayed) {
	if key != "" && !b.o.onAccept {
		b.failed.add(key)
	}
	if rp.key != "" {
		// Recorded with the request's own context gone (a 503 may
		// follow a cancelled one): the retry must find it.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		b.o.dedupe.Seen(ctx, rp.key+":"+strconv.Itoa(rp.attempt)+":failed", 2*b.o.tolerance)
	}
}

// alreadyReceived answers a redelivery: 200, so the helpdesk stops.
func alreadyReceived(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, name+": this delivery was already received; nothing done again\n")
}

// retryLater answers a request Baton could not take now: 503 with a
// Retry-After the helpdesks honour (BridgeRetryAfter), as Zendesk retries
// no 500.
func retryLater(w http.ResponseWriter, msg string) {
	w.Header().Set("Retry-After", strconv.Itoa(int(BridgeRetryAfter/time.Second)))
	httpError(w, http.StatusServiceUnavailable, msg)
}

func httpError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	io.WriteString(w, msg+"\n")
}

// flexString decodes a JSON string, number or boolean as text: helpdesk
// placeholders render ids as either.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case nil:
		*f = ""
	case string:
		*f = flexString(x)
	case float64:
		*f = flexString(strconv.FormatFloat(x, 'f', -1, 64))
	case bool:
		*f = flexString(strconv.FormatBool(x))
	default:
		return fmt.Errorf("want a string, got %s", clip(string(b), 40))
	}
	return nil
}

func (f flexString) trim() string { return strings.TrimSpace(string(f)) }

// decodeObject decodes a JSON object, refusing anything else.
func decodeObject(body []byte, v any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return errors.New("empty body, want a JSON object")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("the body is not the documented JSON: %v", err)
	}
	return nil
}

// ticketStatus maps a helpdesk's status word (in any case) to the statuses
// Baton acts on: solved and closed. Freshdesk says "Resolved"; "deleted"
// (the generic callback's ticket gone) is closed.
func ticketStatus(s string) (flows.TicketStatus, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "solved", "resolved", "4":
		return flows.TicketSolved, true
	case "closed", "5":
		return flows.TicketClosed, true
	case "deleted":
		// Gone: it takes no more messages, as a closed one (ErrTicketGone).
		return flows.TicketClosed, true
	}
	return "", false
}

var (
	htmlBreak = regexp.MustCompile(`(?i)<\s*(br|hr|/p|/div|/li|/h[1-6]|/tr|/?table|/?blockquote|/pre)\b[^>]*>`)
	htmlCell  = regexp.MustCompile(`(?i)<\s*/\s*t[dh]\s*>`)
	htmlTag   = regexp.MustCompile(`<[^>]*>`)
	manyLines = regexp.MustCompile(`\n{3,}`)
	// htmlHidden is what a mail client's HTML carries that is not shown:
	// comments, the head (its title), styles and scripts.
	htmlHidden = regexp.MustCompile(`(?is)<!--.*?-->|<\s*(?:head|style|script|title)\b[^>]*>.*?<\s*/\s*(?:head|style|script|title)\s*>`)
	htmlLink   = regexp.MustCompile(`(?is)<a\s[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))[^>]*>(.*?)</a\s*>`)
)

var (
	htmlImage = regexp.MustCompile(`(?is)<img\s[^>]*>`)
	htmlAttr  = regexp.MustCompile(`(?is)\s(src|alt)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))`)
)

// imageText keeps an inline image as its address, after its alt text:
// the customer's channel shows no HTML, and an image the agent pasted
// (a label, a screenshot) must not vanish from the reply.
func imageText(img string) string {
	var src, alt string
	for _, m := range htmlAttr.FindAllStringSubmatch(img, -1) {
		v := strings.TrimSpace(m[2] + m[3] + m[4])
		if strings.EqualFold(m[1], "src") && src == "" {
			src = v
		} else if strings.EqualFold(m[1], "alt") && alt == "" {
			alt = v
		}
	}
	if src == "" || strings.HasPrefix(strings.ToLower(src), "data:") || strings.HasPrefix(strings.ToLower(src), "cid:") {
		return alt
	}
	if alt == "" {
		return src
	}
	return alt + " (" + src + ")"
}

var htmlList = regexp.MustCompile(`(?i)<\s*(/?)\s*(ol|ul|li)\b[^>]*>`)

// listMarks starts each list item on a line of its own with its marker,
// "1." in a numbered list, "-" in others: a WhatsApp message carries no
// markup, and an agent's steps keep their numbers. An item's line break
// is lineStart, which newLines resolves once the tags are gone.
func listMarks(s string) string {
	var lists []int // per open list: the last item's number, -1 unnumbered
	return htmlList.ReplaceAllStringFunc(s, func(tag string) string {
		m := htmlList.FindStringSubmatch(tag)
		closing, name := m[1] == "/", strings.ToLower(m[2])
		switch {
		case name == "li" && closing:
			return ""
		case name == "li":
			if n := len(lists); n > 0 && lists[n-1] >= 0 {
				lists[n-1]++
				return lineStart + strconv.Itoa(lists[n-1]) + ". "
			}
			return lineStart + "- "
		case closing:
			if len(lists) > 0 {
				lists = lists[:len(lists)-1]
			}
			return lineStart
		case len(lists) >= 100: // bounded: deeper lists count as the deepest
		case name == "ol":
			lists = append(lists, 0)
		default:
			lists = append(lists, -1)
		}
		return ""
	})
}

// lineStart marks where a line must start: a line break, unless the text
// is at the start of a line already.
const lineStart = "\x1e"

// newLines turns each lineStart into a line break where one is needed.
func newLines(s string) string {
	if !strings.Contains(s, lineStart) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	var last byte = '\n' // the last character written other than a space
	for i, part := range strings.Split(s, lineStart) {
		if i > 0 && last != '\n' {
			b.WriteByte('\n')
			last = '\n'
		}
		b.WriteString(part)
		if t := strings.TrimRight(part, " \t"); t != "" {
			last = t[len(t)-1]
		}
	}
	return b.String()
}

// linkText keeps a link's address beside its text ("here
// (https://...)"), as a WhatsApp message carries no markup: the address
// is what the agent sent.
func linkText(a string) string {
	m := htmlLink.FindStringSubmatch(a)
	href := strings.TrimSpace(m[1] + m[2] + m[3])
	text := m[4]
	plain := strings.TrimSpace(html.UnescapeString(htmlTag.ReplaceAllString(text, "")))
	addr := html.UnescapeString(href)
	if addr == "" || strings.HasPrefix(addr, "#") || addr == plain || strings.TrimPrefix(strings.TrimPrefix(addr, "mailto:"), "tel:") == plain {
		return text
	}
	if plain == "" {
		return href
	}
	return text + " (" + href + ")"
}

// htmlToText turns an agent's HTML reply into the plain text a WhatsApp
// message carries.
func htmlToText(s string) string {
	if !strings.Contains(s, "<") {
		return strings.TrimSpace(html.UnescapeString(s))
	}
	s = htmlHidden.ReplaceAllString(s, "")
	s = htmlLink.ReplaceAllStringFunc(s, linkText)
	s = htmlImage.ReplaceAllStringFunc(s, imageText)
	s = listMarks(s)
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = htmlCell.ReplaceAllString(s, " ")
	s = htmlTag.ReplaceAllString(s, "")
	s = newLines(s)
	s = html.UnescapeString(s)
	s = strings.ReplaceAll(s, "\u00a0", " ")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(manyLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}

// maxInboundText bounds an agent message's length, in bytes. The channels
// split a long text into several messages (WhatsApp and Telegram at 4,096
// characters), so an agent's long reply is carried whole; only one past
// this (about 16 such messages) is cut.
const maxInboundText = 64 << 10

// agentInput is an agent's reply on ticket t: the ticket goes along, so a
// reply that can no longer reach the customer is reported back on it.
func agentInput(text, agent string, t flows.TicketRef) flows.Input {
	in := flows.Input{Kind: flows.InputAgent, Text: clip(text, maxInboundText), Agent: clip(strings.TrimSpace(agent), 200)}
	if t.ID != "" {
		in.Ticket = &flows.TicketUpdate{Ticket: t}
	}
	return in
}

func ticketInput(t flows.TicketRef, st flows.TicketStatus, agent string) flows.Input {
	return flows.Input{Kind: flows.InputTicket, Ticket: &flows.TicketUpdate{Ticket: t, Status: st, Agent: clip(strings.TrimSpace(agent), 200)}}
}

func ticketRef(connector, id string) flows.TicketRef {
	return flows.TicketRef{Connector: connector, ID: clip(id, 100)}
}
