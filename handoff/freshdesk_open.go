package handoff

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
)

// Freshdesk has no idempotency key; this is how Open avoids a second
// ticket (developers.freshdesk.com/api: "Create a Ticket", "List All
// Tickets", "Filter Tickets"):
//
//   - Every ticket is tagged "baton-<handoff id>".
//   - When the requester is known by e-mail or unique_external_id (see
//     WithUniqueExternalID), "List All Tickets" filtered by it reads the
//     tickets from the database: what it does not list does not exist.
//   - Otherwise "Filter Tickets" (GET /api/v2/search/tickets) searches the
//     tag. The search index lags behind creation (Freshdesk: updates can
//     take a few minutes to be searchable), so an empty result is no proof.
//     After a create whose outcome is unknown (no answer, a 5xx, an answer
//     Baton could not read, or a worker that died during the attempt),
//     Open keeps searching, every searchRetry, for the search window
//     (WithSearchWindow, default 2 minutes) before it creates again. A
//     process that meets an earlier attempt it did not make (another
//     process's, or its own before a restart: Attempt.Number says whether
//     the last attempt was its own) waits the whole window from then, or,
//     when that attempt was itself waiting one out, to that window's end,
//     read from the error the outbox kept (Attempt.Before): processes
//     taking turns carry one window on instead of each starting its own.
//     A search that fails names the window it was in, if any; one that
//     fails in none, or a create Freshdesk refused (4xx), leaves nothing
//     in doubt, so the next attempt, wherever, needs no window either.
//     An attempt that never ended (its process died) while a window ran
//     could only search: the next one keeps that window.
//     A ticket the index shows only after the window is the remaining
//     risk: widen the window to the lag the account sees.
//   - A 404 from the search is Freshdesk's search being unavailable, not a
//     missing ticket: it is retried, and nothing is created meanwhile.

// DefaultSearchWindow covers Freshdesk's search index lag after an
// uncertain create.
const DefaultSearchWindow = 2 * time.Minute

// searchRetry is how often Open searches again during the window.
const searchRetry = 20 * time.Second

// searchingMark goes before the end of the search window in the error of
// an attempt that waits it out: the outbox keeps that error, and the next
// attempt, maybe another process's, reads the window there
// (searchingUntil) instead of starting one of its own, which two
// processes taking turns would do forever.
const searchingMark = "Baton searches again until "

var searchingRE = regexp.MustCompile(`^freshdesk open\.lookup: .*` + regexp.QuoteMeta(searchingMark) + `(\S+) `)

// createRefusedRE is the error of a create Freshdesk refused (a 4xx:
// nothing was created).
var createRefusedRE = regexp.MustCompile(`^freshdesk open: 4\d\d `)

// madeNoCreate reports whether an attempt that failed with before made no
// create that may have taken effect: it failed looking for the ticket, or
// Freshdesk refused its create.
func madeNoCreate(before string) bool {
	return strings.HasPrefix(before, "freshdesk open.lookup: ") || createRefusedRE.MatchString(before)
}

// underWayRE is what the outbox holds of an attempt that never ended (its
// process died or shut down during it): when it began, and what came
// before it (writeAhead).
var underWayRE = regexp.MustCompile(`^attempt \d+ under way since (\S+); before: `)

// windowOf returns the end of the search window the attempt that left
// before was in: the one it waited out or failed looking in, or, for an
// attempt that never ended, the window of the attempt before it when it
// began inside it (it then could only search and wait, never create).
func windowOf(before string) (time.Time, bool) {
	if m := underWayRE.FindStringSubmatchIndex(before); m != nil {
		began, err := time.Parse(time.RFC3339, before[m[2]:m[3]])
		end, ok := searchingUntil(before[m[1]:])
		return end, err == nil && ok && began.Before(end)
	}
	return searchingUntil(before)
}

// searchingUntil returns the end of the search window an attempt that
// failed with before was waiting out.
func searchingUntil(before string) (time.Time, bool) {
	m := searchingRE.FindStringSubmatch(before)
	if m == nil {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, m[1])
	return t, err == nil
}

// freshdeskFound is a ticket as the list and search endpoints return it.
type freshdeskFound struct {
	ID          int64    `json:"id"`
	RequesterID int64    `json:"requester_id"`
	Status      int      `json:"status"`
	Tags        []string `json:"tags"`
}

// Open returns the ticket already opened for h if there is one (in memory,
// listed by its requester, or found by its tag), else creates it.
func (f *Freshdesk) Open(ctx context.Context, h *flows.Handoff) (flows.TicketRef, error) {
	if h == nil {
		return flows.TicketRef{}, &Error{Connector: "freshdesk", Op: "open", Err: fmt.Errorf("no handoff")}
	}
	a, hasAttempt := AttemptFrom(ctx)
	f.mu.Lock()
	ref, ok := f.opened[h.ID]
	// An attempt this process did not make came before this one when the
	// process never tried this handoff (another process did, or this one
	// before a restart) or its last try was not the attempt just before:
	// that attempt's create, if it sent one, may be in Freshdesk and not
	// yet in the search index.
	last, triedHere := f.tried[h.ID]
	othersBefore := hasAttempt && a.Retry() && (!triedHere || last != a.Number-1)
	remember(f.tried, h.ID, a.Number)
	f.mu.Unlock()
	if ok {
		return ref, nil
	}
	now := f.o.now()
	// The search window (not needed when the requester's tickets can be
	// listed: the list is consistent).
	var until time.Time
	if !f.listable(h) {
		f.mu.Lock()
		since, uncertain := f.created[h.ID]
		if othersBefore {
			// The window runs from now, unless the attempt before was
			// waiting one out (it took every attempt before it into
			// account): then to its end; or unless it failed looking
			// with no window to wait out: then it found no create in
			// doubt and made none. What this process knows of its own
			// creates is older than that attempt.
			from, doubt := now, !madeNoCreate(a.Before)
			if end, ok := windowOf(a.Before); ok {
				from, doubt = end.Add(-f.o.searchWindow), true
			}
			if doubt && (!uncertain || from.After(since)) {
				since, uncertain = from, true
				remember(f.created, h.ID, from)
			}
		}
		f.mu.Unlock()
		if uncertain && now.Before(since.Add(f.o.searchWindow)) {
			until = since.Add(f.o.searchWindow)
		}
	}
	found, consistent, err := f.find(ctx, h)
	if err != nil {
		var e *Error
		if !until.IsZero() && errors.As(err, &e) {
			// The next attempt, maybe another process's, reads the
			// window here.
			note := searchingMark + until.UTC().Format(time.RFC3339) + " before creating another"
			if e.Hint != "" {
				note = e.Hint + "; " + note
			}
			e.Hint = note
			if e.Retryable && e.RetryAfter == 0 {
				e.RetryAfter = min(searchRetry, until.Sub(now))
			}
		}
		return flows.TicketRef{}, err
	}
	if found != nil {
		return f.remember(h, found.ID), nil
	}
	if !consistent && !until.IsZero() {
		since := until.Add(-f.o.searchWindow)
		return flows.TicketRef{}, &Error{Connector: "freshdesk", Op: "open.lookup", Retryable: true,
			RetryAfter: min(searchRetry, until.Sub(now)),
			Err: fmt.Errorf("no ticket tagged %s found yet; the create sent at %s may still be on its way into Freshdesk's search index, so "+searchingMark+"%s before creating another",
				handoffTag(h.ID), since.UTC().Format(time.RFC3339), until.UTC().Format(time.RFC3339))}
	}
	c, err := f.createCall(h)
	if err != nil {
		return flows.TicketRef{}, err
	}
	res, err := f.s.send(ctx, c)
	if err != nil {
		if uncertainWrite(err) {
			f.mu.Lock()
			remember(f.created, h.ID, now)
			f.mu.Unlock()
			var e *Error
			if errors.As(err, &e) && e.RetryAfter == 0 && !consistent {
				e.RetryAfter = searchRetry
			}
		}
		return flows.TicketRef{}, err
	}
	var t freshdeskFound
	if err := json.Unmarshal(res.body, &t); err != nil || t.ID == 0 {
		f.mu.Lock()
		remember(f.created, h.ID, now)
		f.mu.Unlock()
		return flows.TicketRef{}, decodeError("freshdesk", "open", fmt.Errorf("no ticket id in %q", clip(string(res.body), 100)))
	}
	return f.remember(h, t.ID), nil
}

func (f *Freshdesk) remember(h *flows.Handoff, id int64) flows.TicketRef {
	s := strconv.FormatInt(id, 10)
	ref := flows.TicketRef{Connector: "freshdesk", ID: s, URL: f.base + "/a/tickets/" + s}
	f.memos.put(s, h)
	handoffID := h.ID
	f.mu.Lock()
	remember(f.opened, handoffID, ref)
	delete(f.created, handoffID)
	delete(f.tried, handoffID)
	f.mu.Unlock()
	return ref
}

// listable reports whether find lists h's requester's tickets (a
// consistent read) rather than searching the index.
func (f *Freshdesk) listable(h *flows.Handoff) bool {
	return (f.o.uniqueExternalID && h.Contact.ID != "") || h.Contact.Email != ""
}

// find looks for h's ticket: in the requester's tickets when Freshdesk can
// list them by the identifier the ticket is created with (consistent),
// else in the search index (which lags).
func (f *Freshdesk) find(ctx context.Context, h *flows.Handoff) (found *freshdeskFound, consistent bool, err error) {
	tag := handoffTag(h.ID)
	c := h.Contact
	var q url.Values
	field := ""
	switch {
	case f.o.uniqueExternalID && c.ID != "":
		field, q = "unique_external_id", url.Values{"unique_external_id": {c.ID}}
	case c.Email != "":
		field, q = "email", url.Values{"email": {c.Email}}
	}
	if q != nil {
		q.Set("order_by", "created_at")
		q.Set("per_page", "100")
		res, err := f.s.send(ctx, call{op: "open.lookup", method: http.MethodGet, url: f.base + "/api/v2/tickets?" + q.Encode(),
			header: f.header(), canned: `[]`})
		if noContact(err, field) {
			return nil, true, nil // a requester Freshdesk does not know has no ticket yet
		}
		if err != nil {
			return nil, true, err
		}
		var list []freshdeskFound
		if err := json.Unmarshal(res.body, &list); err != nil {
			return nil, true, decodeError("freshdesk", "open.lookup", err)
		}
		return withTag(list, tag), true, nil
	}
	sq := url.Values{"query": {`"tag:'` + tag + `'"`}}
	res, err := f.s.send(ctx, call{op: "open.lookup", method: http.MethodGet,
		url: f.base + "/api/v2/search/tickets?" + sq.Encode(), header: f.header(), canned: `{"results":[],"total":0}`})
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusNotFound {
			e.Retryable = true
			e.RetryAfter = searchRetry
			e.Hint = "Freshdesk's ticket search answered 404, which it does while search is unavailable; Baton searches again and creates no ticket meanwhile (creating without a search could open a second one). If it lasts, check that the account's plan includes the search API"
		}
		return nil, false, err
	}
	var got struct {
		Results []freshdeskFound `json:"results"`
	}
	if err := json.Unmarshal(res.body, &got); err != nil {
		return nil, false, decodeError("freshdesk", "open.lookup", err)
	}
	if t := withTag(got.Results, tag); t != nil {
		return t, false, nil
	}
	// The search matches the tag; an index that returns the ticket
	// without its tags is taken at its word.
	for _, t := range got.Results {
		if t.ID > 0 && len(t.Tags) == 0 {
			return &t, false, nil
		}
	}
	return nil, false, nil
}

// noContact reports whether err is Freshdesk's answer to a ticket list
// filtered by a requester it has no contact for: 400 "Validation failed"
// naming the filter's field ({"field": "email", "message": "There is no
// contact matching the given email", "code": "invalid_value"}). A
// customer's first ticket meets it.
func noContact(err error, field string) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusBadRequest && strings.Contains(e.Message, field+": ")
}

func withTag(list []freshdeskFound, tag string) *freshdeskFound {
	for i, t := range list {
		if t.ID > 0 && containsString(t.Tags, tag) {
			return &list[i]
		}
	}
	return nil
}

// uncertainWrite reports whether a failed write may have taken effect: no
// answer (but a connection that was made), a 5xx, or an answer that could
// not be read.
func uncertainWrite(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return true
	}
	if e.Status >= 500 {
		return true
	}
	if e.Status != 0 {
		return false // Freshdesk refused it (4xx): nothing was created
	}
	var op *net.OpError
	if errors.As(e.Err, &op) && op.Op == "dial" {
		return false // never connected
	}
	return e.Retryable
}
