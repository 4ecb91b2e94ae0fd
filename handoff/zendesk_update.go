package handoff

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
)

// What Zendesk does with the requests below, from developer.zendesk.com:
//
//   - Ticket Comments (api-reference/ticketing/tickets/ticket_comments),
//     "Author id": with author_id set, the user is shown as the comment's
//     author but "is not considered the updater of the ticket": the
//     authenticated user is, which decides "requester updated" business
//     rules and current-user conditions. Only a request made as the
//     requester counts as the requester's update.
//   - "Making API requests on behalf of end users": an admin's OAuth token
//     with the "impersonate" scope and the header X-On-Behalf-Of (the
//     user's id) makes the request the end user's own; end users add
//     comments through the Requests API (PUT /api/v2/requests/{id}), and
//     their comments are public.
//   - "List Comments": GET /api/v2/tickets/{id}/comments, sort_order desc
//     for the newest first.
//   - "List Tickets": GET /api/v2/tickets?external_id= lists the tickets
//     with that external id (not unique: a conversation can hand off
//     twice; the handoff's tag tells its ticket); the external id must
//     match whole. GET /api/v2/users/{id}/tickets/requested lists a
//     requester's, sort_by=created_at&sort_order=desc the newest first,
//     per_page up to 100.
//   - "Idempotency" (Support API introduction): a key is kept about two
//     hours.

// zendeskKeyLifetime is how long Zendesk keeps an Idempotency-Key; an open
// retried later than zendeskLookupAfter after its handoff looks the ticket
// up first.
const (
	zendeskKeyLifetime = 2 * time.Hour
	zendeskLookupAfter = zendeskKeyLifetime - 30*time.Minute
)

// zendeskTicketInfo is what Baton reads of a ticket before updating it.
type zendeskTicketInfo struct {
	ID          int64    `json:"id"`
	RequesterID int64    `json:"requester_id"`
	AssigneeID  int64    `json:"assignee_id"`
	Status      string   `json:"status"`
	Tags        []string `json:"tags"`
	ExternalID  string   `json:"external_id"`
}

func (z *Zendesk) ticketInfo(ctx context.Context, id, op string) (zendeskTicketInfo, error) {
	res, err := z.s.send(ctx, call{op: op, method: http.MethodGet, url: z.base + "/api/v2/tickets/" + id, header: z.header(),
		canned: `{"ticket":{"id":` + id + `,"requester_id":1001,"assignee_id":1002,"status":"open"}}`})
	if err != nil {
		return zendeskTicketInfo{}, err
	}
	var got struct {
		Ticket zendeskTicketInfo `json:"ticket"`
	}
	if err := json.Unmarshal(res.body, &got); err != nil {
		return zendeskTicketInfo{}, decodeError("zendesk", op, err)
	}
	if got.Ticket.RequesterID != 0 {
		z.mu.Lock()
		remember(z.requesters, id, got.Ticket.RequesterID)
		z.mu.Unlock()
	}
	return got.Ticket, nil
}

// Append adds m to the ticket as the customer's own comment (see
// AppendBatch); the outbox item of the attempt, when the Deliverer calls,
// is its marker.
func (z *Zendesk) Append(ctx context.Context, t flows.TicketRef, m flows.Message) error {
	a, ok := AttemptFrom(ctx)
	return z.AppendBatch(ctx, t, flows.Contact{}, attemptMessages(a, ok, m))
}

// AppendBatch adds msgs to the ticket in one comment that counts as the
// customer's: with WithRequesterUpdates (an OAuth token with the
// impersonate scope) through the Requests API on behalf of the requester,
// so it reopens a pending or solved ticket, fires "requester updated"
// triggers and counts for SLAs exactly as the customer's e-mail would;
// else through the Tickets API, as a public comment with the requester as
// author_id, reopening a pending, on-hold or solved ticket itself (status
// open), since the API user is then the updater. Baton's own notes (an
// agent's reply that did not reach the customer) are internal notes.
// The comment ends with the messages' markers. A closed ticket takes no
// comment: that is a permanent error.
//
// A ticket an agent merged into another is followed there (followMerge):
// the messages go on the ticket the merge names, as the customer's.
func (z *Zendesk) AppendBatch(ctx context.Context, t flows.TicketRef, c flows.Contact, msgs []flows.TicketMessage) error {
	if err := checkTicketID("zendesk", "append", t.ID); err != nil {
		return err
	}
	if len(msgs) == 0 {
		return nil
	}
	return z.followMerge(ctx, t, func(t flows.TicketRef, author int64) error { return z.appendTo(ctx, t, c, msgs, author) })
}

// appendTo is AppendBatch on ticket t, the customer's messages authored
// by author (0: t's requester).
func (z *Zendesk) appendTo(ctx context.Context, t flows.TicketRef, c flows.Contact, msgs []flows.TicketMessage, author int64) error {
	ro, c := z.memos.render(t.ID, c, z.o.render)
	if allSystem(msgs) {
		err := z.updateTicket(ctx, "append", t.ID, map[string]any{"comment": zendeskComment{Body: batchText(msgs, c, ro), Public: false}})
		return z.appendFailed(ctx, t.ID, err)
	}
	files, skipped, err := z.o.fetchAttachments(ctx, "zendesk", msgs)
	if err != nil {
		return err
	}
	// Uploads first ("Upload Files": POST /api/v2/uploads, the file as the
	// body), then the comment names their tokens. An upload a failed
	// attempt left behind is never attached: Zendesk drops it.
	var tokens []string
	for _, f := range files {
		tok, err := z.upload(ctx, f)
		if err != nil {
			return err
		}
		tokens = append(tokens, tok)
	}
	text := batchText(msgs, c, ro, skipped...)
	if z.o.onBehalf {
		rid, err := z.requester(ctx, t.ID)
		if err != nil {
			return z.appendFailed(ctx, t.ID, err)
		}
		if author != 0 {
			rid = author
		}
		comment := map[string]any{"body": text}
		if len(tokens) > 0 {
			comment["uploads"] = tokens
		}
		b, err := marshalJSON(map[string]any{"request": map[string]any{"comment": comment}})
		if err != nil {
			return &Error{Connector: "zendesk", Op: "append", Err: err}
		}
		h := z.header()
		h.Set("X-On-Behalf-Of", strconv.FormatInt(rid, 10))
		_, err = z.s.send(ctx, call{op: "append", method: http.MethodPut, url: z.base + "/api/v2/requests/" + t.ID,
			header: h, body: b, canned: `{"request":{"id":` + t.ID + `,"status":"open"}}`})
		return z.appendFailed(ctx, t.ID, err)
	}
	info, err := z.ticketInfo(ctx, t.ID, "append.lookup")
	if err != nil {
		return z.appendFailed(ctx, t.ID, err)
	}
	if info.Status == "closed" {
		return z.closedError(ctx, t.ID)
	}
	if author == 0 {
		author = info.RequesterID
	}
	upd := map[string]any{"comment": zendeskComment{Body: text, Public: true, AuthorID: author, Uploads: tokens}}
	switch info.Status {
	case "pending", "hold", "solved":
		upd["status"] = "open" // the customer answered: the ticket needs an agent again
	}
	return z.appendFailed(ctx, t.ID, z.updateTicket(ctx, "append", t.ID, upd))
}

// closedError is the error of an append to ticket id, which is closed:
// merged into another when the newest of its last comments written by a
// merge (via channel "merge", via id 19: "Via types reference") is there,
// and into the ticket that comment names ("#N", as the text Zendesk's
// agent interface proposes does: "This request was closed and merged
// into request #N"). When the comments cannot be read for now (a 429, a
// 5xx, a timeout), nothing is known yet: that error is returned, and the
// append retried. When they cannot be read for good, or a merge through
// the API left no comment, the ticket is only known as closed.
func (z *Zendesk) closedError(ctx context.Context, id string) error {
	const refused = "and Zendesk takes no more comments on a closed ticket; the message is not added"
	g := goneError{fmt.Sprintf("ticket %s is closed (solved and closed, or merged into another), %s", id, refused), flows.GoneClosed, ""}
	merged, into, err := z.mergedInto(ctx, id)
	if err != nil {
		return err
	}
	if merged && into != "" {
		g = goneError{fmt.Sprintf("ticket %s was merged into ticket %s, which closed it, %s", id, into, refused), flows.GoneMerged, into}
	} else if merged {
		g = goneError{fmt.Sprintf("ticket %s was merged into another ticket, which closed it, %s", id, refused), flows.GoneMerged, ""}
	}
	return &Error{Connector: "zendesk", Op: "append", Err: g}
}

// ticketRefs are the "#N" ticket numbers of a comment's text (not an
// HTML character reference, "&#39;").
var ticketRefs = regexp.MustCompile(`(?:^|[^&\w])#(\d{1,19})\b`)

// mergedInto reads ticket id's latest comments, newest first, for the
// one a merge wrote, and the one ticket number it names other than id.
// A read that fails for now (Retryable: a 429, a 5xx, a timeout) decides
// nothing: its error is returned, to be retried.
func (z *Zendesk) mergedInto(ctx context.Context, id string) (bool, string, error) {
	z.mu.Lock()
	into, ok := z.merges[id]
	z.mu.Unlock()
	if ok {
		return true, into, nil // a merge is for good: the ticket stays closed
	}
	merged, into, err := z.readMerge(ctx, id)
	if merged && into != "" {
		z.mu.Lock()
		remember(z.merges, id, into)
		z.mu.Unlock()
	}
	return merged, into, err
}

// readMerge is mergedInto, read from the ticket's comments. A read refused
// for good (a 403) is "no merge known".
func (z *Zendesk) readMerge(ctx context.Context, id string) (bool, string, error) {
	res, err := z.s.send(ctx, call{op: "append.lookup", method: http.MethodGet,
		url:    z.base + "/api/v2/tickets/" + id + "/comments?sort_order=desc&per_page=" + strconv.Itoa(checkPageSize),
		header: z.header(), canned: `{"comments":[],"next_page":null}`, limit: maxListResponse})
	if err != nil {
		if retry, _ := Retryable(err); retry {
			return false, "", err
		}
		return false, "", nil
	}
	var got struct {
		Comments []struct {
			Body      string `json:"body"`
			PlainBody string `json:"plain_body"`
			Via       struct {
				Channel json.RawMessage `json:"channel"`
			} `json:"via"`
		} `json:"comments"`
	}
	if json.Unmarshal(res.body, &got) != nil {
		return false, "", nil
	}
	for _, c := range got.Comments {
		if ch := strings.TrimSpace(string(c.Via.Channel)); ch != `"merge"` && ch != "19" && ch != `"19"` {
			continue
		}
		var into []string
		for _, m := range ticketRefs.FindAllStringSubmatch(c.PlainBody+"\n"+c.Body, -1) {
			if m[1] != id && !slices.Contains(into, m[1]) {
				into = append(into, m[1])
			}
		}
		if len(into) == 1 {
			return true, into[0], nil
		}
		return true, "", nil
	}
	return false, "", nil
}

// appendFailed is err, the failure of an append to ticket id, as
// ErrTicketGone when the ticket is gone: a 404 for a ticket an agent
// deleted (see ticketGone), a 422 for one closed since the look-up (or
// through the Requests API, which reads nothing first: "Status: closed
// prevents ticket update").
func (z *Zendesk) appendFailed(ctx context.Context, id string, err error) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Status {
	case http.StatusNotFound:
		gone, gerr := z.ticketGone(ctx, err)
		if !gone {
			return gerr
		}
		return &Error{Connector: "zendesk", Op: e.Op, Err: goneError{fmt.Sprintf("ticket %s no longer exists: an agent deleted it (Zendesk answers 404 for it, and for nothing else); the message is not added", id), flows.GoneDeleted, ""}}
	case http.StatusUnprocessableEntity:
		if info, lerr := z.ticketInfo(ctx, id, "append.lookup"); lerr == nil && info.Status == "closed" {
			return z.closedError(ctx, id)
		}
	}
	return err
}

// requester is the ticket's requester, remembered from Open or read.
func (z *Zendesk) requester(ctx context.Context, id string) (int64, error) {
	z.mu.Lock()
	rid, ok := z.requesters[id]
	z.mu.Unlock()
	if ok {
		return rid, nil
	}
	info, err := z.ticketInfo(ctx, id, "append.lookup")
	if err != nil {
		return 0, err
	}
	if info.RequesterID == 0 {
		return 0, &Error{Connector: "zendesk", Op: "append.lookup", Err: fmt.Errorf("ticket %s has no requester", id)}
	}
	return info.RequesterID, nil
}

func (z *Zendesk) updateTicket(ctx context.Context, op, id string, ticket map[string]any) error {
	b, err := marshalJSON(map[string]any{"ticket": ticket})
	if err != nil {
		return &Error{Connector: "zendesk", Op: op, Err: err}
	}
	_, err = z.s.send(ctx, call{op: op, method: http.MethodPut, url: z.base + "/api/v2/tickets/" + id,
		header: z.header(), body: b, canned: `{"ticket":{"id":` + id + `}}`})
	return err
}

// Marked returns the ids among ids whose marker is in one of the ticket's
// most recent comments.
//
// The messages of a ticket merged into another went there
// (followMerge): when the ticket was merged (mergedInto), the target's
// comments are read too.
func (z *Zendesk) Marked(ctx context.Context, t flows.TicketRef, ids []string) ([]string, error) {
	if err := checkTicketID("zendesk", "append.check", t.ID); err != nil {
		return nil, err
	}
	found, err := z.markedOn(ctx, t, ids)
	for hop := 0; err == nil && len(found) < len(ids) && hop < maxMergeHops; hop++ {
		merged, into, merr := z.mergedInto(ctx, t.ID)
		if merr != nil {
			return nil, merr
		}
		if !merged || into == "" || into == t.ID {
			break
		}
		t.ID = into
		more, merr := z.markedOn(ctx, t, ids)
		if merr != nil {
			return nil, merr
		}
		for _, id := range more {
			if !slices.Contains(found, id) {
				found = append(found, id)
			}
		}
	}
	return found, err
}

// markedOn is Marked on ticket t alone.
func (z *Zendesk) markedOn(ctx context.Context, t flows.TicketRef, ids []string) ([]string, error) {
	next := z.base + "/api/v2/tickets/" + t.ID + "/comments?sort_order=desc&per_page=" + strconv.Itoa(checkPageSize)
	var texts []string
	for page := 0; next != "" && page < markerScanLimit/checkPageSize; page++ {
		res, err := z.s.send(ctx, call{op: "append.check", method: http.MethodGet, url: next, header: z.header(),
			canned: `{"comments":[],"next_page":null}`, limit: maxListResponse})
		if err != nil {
			return nil, z.appendFailed(ctx, t.ID, err)
		}
		var got struct {
			Comments []struct {
				Body      string `json:"body"`
				PlainBody string `json:"plain_body"`
				HTMLBody  string `json:"html_body"`
			} `json:"comments"`
			NextPage string `json:"next_page"`
		}
		if err := json.Unmarshal(res.body, &got); err != nil {
			return nil, decodeError("zendesk", "append.check", err)
		}
		for _, c := range got.Comments {
			texts = append(texts, c.Body+"\n"+c.PlainBody+"\n"+c.HTMLBody)
		}
		if found := markedIn(texts, ids); len(found) == len(ids) {
			return found, nil
		}
		next = ""
		if u, err := url.Parse(got.NextPage); err == nil && got.NextPage != "" && u.Host != "" {
			switch {
			case strings.HasPrefix(got.NextPage, z.base+"/"):
				next = got.NextPage
			case strings.HasPrefix(u.Path, "/api/v2/tickets/"+t.ID+"/comments"):
				// Zendesk names its own host; a base URL in front of it
				// (a proxy) is where the next page is read.
				next = z.base + u.RequestURI()
			}
		}
	}
	return markedIn(texts, ids), nil
}

// Close sets the ticket's status to solved, unless an agent already
// solved or closed it: that ticket is left as it is, also when it was
// closed between the look-up and the update (Zendesk's 422). Zendesk solves only
// assigned tickets, so one nobody took is assigned to the API user. A
// ticket an agent deleted has nothing left to close (see ticketGone).
func (z *Zendesk) Close(ctx context.Context, t flows.TicketRef) error {
	if err := checkTicketID("zendesk", "close", t.ID); err != nil {
		return err
	}
	info, err := z.ticketInfo(ctx, t.ID, "close.lookup")
	if err != nil {
		if gone, gerr := z.ticketGone(ctx, err); !gone {
			return gerr
		}
		return nil // deleted: nothing is left to close
	}
	if info.Status == "solved" || info.Status == "closed" {
		return nil
	}
	upd := map[string]any{"status": "solved"}
	if info.AssigneeID == 0 {
		me, err := z.self(ctx)
		if err != nil {
			return err
		}
		upd["assignee_id"] = me
	}
	err = z.updateTicket(ctx, "close", t.ID, upd)
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusUnprocessableEntity {
		// Closed since the look-up (merged, closed by an automation):
		// Zendesk refuses the update ("Status: closed prevents ticket
		// update", in the API user's language), and the close is done.
		if info, lerr := z.ticketInfo(ctx, t.ID, "close.lookup"); lerr == nil && info.Status == "closed" {
			return nil
		}
	}
	if errors.As(err, &e) && e.Status == http.StatusNotFound {
		// Deleted since the look-up.
		if gone, gerr := z.ticketGone(ctx, err); !gone {
			return gerr
		}
		return nil
	}
	return err
}

// ticketGone tells what a 404 on a ticket means. Zendesk answers 404
// (RecordNotFound) for a ticket an agent deleted ("Delete Ticket": it is
// in the deleted tickets, out of the Tickets API), and also for every
// request when the subdomain or base URL is wrong. The API user's own
// record (GET /api/v2/users/me, "Show the Currently Authenticated User")
// tells them apart: when it answers, the account is the right one and
// the ticket is gone. When it answers 404 too, err is returned with a
// hint that says so; when it fails otherwise (a 5xx, a timeout), its
// error, retried: nothing is known yet. Any other err is returned as
// it is.
func (z *Zendesk) ticketGone(ctx context.Context, err error) (bool, error) {
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusNotFound {
		return false, err
	}
	_, merr := z.self(ctx)
	return accountAnswers(err, merr, "/api/v2/users/me", "connectors.zendesk.subdomain")
}

// self is the API user's id.
func (z *Zendesk) self(ctx context.Context) (int64, error) {
	z.mu.Lock()
	me := z.me
	z.mu.Unlock()
	if me != 0 {
		return me, nil
	}
	res, err := z.s.send(ctx, call{op: "close.me", method: http.MethodGet, url: z.base + "/api/v2/users/me", header: z.header(),
		canned: `{"user":{"id":1002}}`})
	if err != nil {
		return 0, err
	}
	var got struct {
		User struct {
			ID int64 `json:"id"`
		} `json:"user"`
	}
	if err := json.Unmarshal(res.body, &got); err != nil || got.User.ID == 0 {
		return 0, decodeError("zendesk", "close.me", fmt.Errorf("no user id in %q", clip(string(res.body), 100)))
	}
	z.mu.Lock()
	z.me = got.User.ID
	z.mu.Unlock()
	return got.User.ID, nil
}

// lookupOpened finds the ticket of handoff h, by the handoff's tag, among
// the tickets list (List Tickets) names: those with its conversation's
// external id, or its requester's newest.
func (z *Zendesk) lookupOpened(ctx context.Context, h *flows.Handoff, list string) (flows.TicketRef, bool, error) {
	res, err := z.s.send(ctx, call{op: "open.lookup", method: http.MethodGet, url: list,
		header: z.header(), canned: `{"tickets":[]}`, limit: maxListResponse})
	if err != nil {
		return flows.TicketRef{}, false, err
	}
	var got struct {
		Tickets []zendeskTicketInfo `json:"tickets"`
	}
	if err := json.Unmarshal(res.body, &got); err != nil {
		return flows.TicketRef{}, false, decodeError("zendesk", "open.lookup", err)
	}
	tag := handoffTag(h.ID)
	for _, t := range got.Tickets {
		if t.ID > 0 && containsString(t.Tags, tag) {
			id := strconv.FormatInt(t.ID, 10)
			if t.RequesterID != 0 {
				z.mu.Lock()
				remember(z.requesters, id, t.RequesterID)
				z.mu.Unlock()
			}
			return flows.TicketRef{Connector: "zendesk", ID: id, URL: z.base + "/agent/tickets/" + id}, true, nil
		}
	}
	return flows.TicketRef{}, false, nil
}

// upload sends one file to Zendesk and returns its token.
func (z *Zendesk) upload(ctx context.Context, f flows.MediaFile) (string, error) {
	h := z.header()
	h.Set("Content-Type", mimeOf(f))
	q := url.Values{"filename": {f.Name}}
	res, err := z.s.send(ctx, call{op: "append.upload", method: http.MethodPost, url: z.base + "/api/v2/uploads?" + q.Encode(),
		header: h, body: f.Data, canned: `{"upload":{"token":"dry-run-upload"}}`})
	if err != nil {
		return "", err
	}
	var got struct {
		Upload struct {
			Token string `json:"token"`
		} `json:"upload"`
	}
	if err := json.Unmarshal(res.body, &got); err != nil || got.Upload.Token == "" {
		return "", decodeError("zendesk", "append.upload", fmt.Errorf("no upload token in %q", clip(string(res.body), 100)))
	}
	return got.Upload.Token, nil
}

// mimeOf is a file's MIME type, or the generic one.
func mimeOf(f flows.MediaFile) string {
	if f.MIME != "" {
		return f.MIME
	}
	return "application/octet-stream"
}
