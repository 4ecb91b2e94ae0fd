package handoff

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"

	"github.com/batonbot/baton/flows"
)

// Append adds m to the ticket as the customer's note (see AppendBatch);
// the outbox item of the attempt, when the Deliverer calls, is its marker.
func (f *Freshdesk) Append(ctx context.Context, t flows.TicketRef, m flows.Message) error {
	a, ok := AttemptFrom(ctx)
	return f.AppendBatch(ctx, t, flows.Contact{}, attemptMessages(a, ok, m))
}

// AppendBatch adds msgs to the ticket as one note from the requester:
// "Create a Note" (developers.freshdesk.com/api/#add_note_to_a_ticket)
// with user_id the requester, incoming true ("appear as being created
// from outside", as the customer's reply) and private false: Freshdesk's
// API has no reply by the requester, and an incoming public note is how
// it records one, so it reopens a ticket waiting on the customer and
// counts for the SLA as the customer's answer. Baton's own notes (an
// agent's reply that did not reach the customer) are private notes. The
// note ends with the messages' markers.
//
// Freshdesk takes a note on a resolved or closed ticket (an agent
// resolved or closed it, or merged it into another, which closes it,
// and Baton's rule's webhook did not come: it is retried 5, 35 and 95
// minutes later), and nobody reads it there unless an automation
// reopens the ticket. So the customer's messages go on only after the
// ticket is read ("View a Ticket": its status, and its requester, the
// note's author): resolved (4) or closed (5), the append is the ticket's
// ErrTicketGone (reason closed), and the conversation returns to the bot
// as on the status webhook. The note's answer carries no status, and no
// request of Freshdesk's says "only if still open": the read costs one
// GET per customer append (a batch of messages), the price of never
// filing a message where nobody reads it.
func (f *Freshdesk) AppendBatch(ctx context.Context, t flows.TicketRef, c flows.Contact, msgs []flows.TicketMessage) error {
	if err := checkTicketID("freshdesk", "append", t.ID); err != nil {
		return err
	}
	if len(msgs) == 0 {
		return nil
	}
	ro, c := f.memos.render(t.ID, c, f.o.render)
	var files []flows.MediaFile
	var skipped []string
	note := map[string]any{"private": true}
	if !allSystem(msgs) {
		info, err := f.ticketInfo(ctx, t.ID, "append.lookup")
		if err != nil {
			return f.appendFailed(ctx, t.ID, err)
		}
		if info.Status == freshdeskResolved || info.Status == freshdeskClosed {
			return f.closedError(t.ID, info.Status)
		}
		if info.RequesterID == 0 {
			return &Error{Connector: "freshdesk", Op: "append.lookup", Err: fmt.Errorf("ticket %s has no requester", t.ID)}
		}
		if files, skipped, err = f.o.fetchAttachments(ctx, "freshdesk", msgs); err != nil {
			return err
		}
		files, skipped = withinNoteLimit(files, skipped)
		note = map[string]any{"private": false, "incoming": true, "user_id": info.RequesterID}
	}
	html, err := batchHTML(msgs, c, ro, skipped...)
	if err != nil {
		return &Error{Connector: "freshdesk", Op: "append", Err: err}
	}
	note["body"] = html
	h := f.header()
	var b []byte
	if len(files) > 0 {
		// With files the note is multipart/form-data, the files as
		// attachments[] ("Create a Note": attachments, at most 20 MB in all).
		var ct string
		if b, ct, err = multipartNote(note, files); err != nil {
			return &Error{Connector: "freshdesk", Op: "append", Err: err}
		}
		h.Set("Content-Type", ct)
	} else if b, err = marshalJSON(note); err != nil {
		return &Error{Connector: "freshdesk", Op: "append", Err: err}
	}
	_, err = f.s.send(ctx, call{op: "append", method: http.MethodPost,
		url: f.base + "/api/v2/tickets/" + t.ID + "/notes", header: h, body: b,
		canned: `{"id":4004,"ticket_id":` + t.ID + `,"incoming":true,"private":false}`})
	return f.appendFailed(ctx, t.ID, err)
}

// closedError is the error of a customer's append to ticket id, whose
// status is resolved or closed: ErrTicketGone, reason closed.
func (f *Freshdesk) closedError(id string, status int) error {
	what := "resolved"
	if status == freshdeskClosed {
		what = "closed (closed by an agent or an automation, or merged into another ticket)"
	}
	return &Error{Connector: "freshdesk", Op: "append", Err: goneError{fmt.Sprintf("ticket %s is %s, and a note there is read by nobody unless the ticket is reopened; the message is not added", id, what), flows.GoneClosed, ""}}
}

// appendFailed is err, the failure of an append to ticket id, as
// ErrTicketGone when an agent deleted the ticket (see ticketGone).
func (f *Freshdesk) appendFailed(ctx context.Context, id string, err error) error {
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusNotFound {
		return err
	}
	gone, gerr := f.ticketGone(ctx, err)
	if !gone {
		return gerr
	}
	return &Error{Connector: "freshdesk", Op: e.Op, Err: goneError{fmt.Sprintf("ticket %s no longer exists: an agent deleted it (Freshdesk answers 404 for it, and for nothing else); the message is not added", id), flows.GoneDeleted, ""}}
}

// freshdeskNoteFiles is the most a note's attachments may weigh in all
// ("Create a Note": attachments, 20 MB in total), counted in decimal
// megabytes to stay clear of it whichever way Freshdesk counts.
const freshdeskNoteFiles = 20_000_000

// withinNoteLimit keeps the files that fit in one note, in order; the
// others become lines saying they were not attached, so the note (and
// the customer's messages in it) is not refused whole.
func withinNoteLimit(files []flows.MediaFile, skipped []string) ([]flows.MediaFile, []string) {
	var keep []flows.MediaFile
	total := 0
	for _, f := range files {
		if total+len(f.Data) > freshdeskNoteFiles {
			skipped = append(skipped, fmt.Sprintf("(%s not attached: with the other files of this update it is over the 20 MB Freshdesk takes in one note; ask the customer to send it again)", f.Name))
			continue
		}
		total += len(f.Data)
		keep = append(keep, f)
	}
	return keep, skipped
}

// multipartNote encodes a note's fields and files as multipart/form-data.
func multipartNote(fields map[string]any, files []flows.MediaFile) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if err := w.WriteField(k, fmt.Sprint(fields[k])); err != nil {
			return nil, "", err
		}
	}
	for _, f := range files {
		hd := textproto.MIMEHeader{}
		hd.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": "attachments[]", "filename": f.Name}))
		hd.Set("Content-Type", mimeOf(f))
		p, err := w.CreatePart(hd)
		if err != nil {
			return nil, "", err
		}
		if _, err := p.Write(f.Data); err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// freshdeskTicketInfo is what Baton reads of a ticket before updating it.
type freshdeskTicketInfo struct {
	ID          int64 `json:"id"`
	RequesterID int64 `json:"requester_id"`
	Status      int   `json:"status"`
}

func (f *Freshdesk) ticketInfo(ctx context.Context, id, op string) (freshdeskTicketInfo, error) {
	res, err := f.s.send(ctx, call{op: op, method: http.MethodGet, url: f.base + "/api/v2/tickets/" + id, header: f.header(),
		canned: `{"id":` + id + `,"requester_id":5005,"status":2}`})
	if err != nil {
		return freshdeskTicketInfo{}, err
	}
	var got freshdeskTicketInfo
	if err := json.Unmarshal(res.body, &got); err != nil {
		return freshdeskTicketInfo{}, decodeError("freshdesk", op, err)
	}
	return got, nil
}

// Marked returns the ids among ids whose marker is in one of the ticket's
// most recent conversations. Freshdesk lists them oldest first ("List All
// Conversations of a Ticket": page and per_page, no order to choose, no
// count): past the first page, the check finds the last page by doubling
// the page number, then halving the gap, and reads back from it to the
// markerScanLimit newest conversations.
func (f *Freshdesk) Marked(ctx context.Context, t flows.TicketRef, ids []string) ([]string, error) {
	if err := checkTicketID("freshdesk", "append.check", t.ID); err != nil {
		return nil, err
	}
	first, err := f.conversationTexts(ctx, t.ID, 1)
	if err != nil {
		return nil, f.appendFailed(ctx, t.ID, err)
	}
	if len(first) < checkPageSize {
		return markedIn(first, ids), nil
	}
	// lo is a full page; hi, once found, a page that is not (the last
	// page, or the one after it). The texts of both are kept.
	lo, hi := 1, 0
	loTexts, hiTexts := first, []string(nil)
	for hi == 0 && lo < freshdeskCheckPages {
		p := min(lo*2, freshdeskCheckPages)
		got, err := f.conversationTexts(ctx, t.ID, p)
		if err != nil {
			return nil, err
		}
		if len(got) == checkPageSize {
			lo, loTexts = p, got
		} else {
			hi, hiTexts = p, got
		}
	}
	if hi == 0 { // more pages than the check looks for: the newest it reaches
		hi, hiTexts = lo, loTexts
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		got, err := f.conversationTexts(ctx, t.ID, mid)
		if err != nil {
			return nil, err
		}
		if len(got) == checkPageSize {
			lo, loTexts = mid, got
		} else {
			hi, hiTexts = mid, got
		}
	}
	texts := hiTexts
	for p := hi - 1; p >= 1 && len(texts) < markerScanLimit; p-- {
		if found := markedIn(texts, ids); len(found) == len(ids) {
			return found, nil
		}
		got := loTexts
		if p != lo {
			if got, err = f.conversationTexts(ctx, t.ID, p); err != nil {
				return nil, err
			}
		}
		texts = append(texts, got...)
	}
	return markedIn(texts, ids), nil
}

// freshdeskCheckPages bounds the page numbers the check tries (of
// checkPageSize conversations).
const freshdeskCheckPages = 1 << 14

// conversationTexts is the text of page p of the ticket's conversations.
func (f *Freshdesk) conversationTexts(ctx context.Context, id string, p int) ([]string, error) {
	res, err := f.s.send(ctx, call{op: "append.check", method: http.MethodGet,
		url:    f.base + "/api/v2/tickets/" + id + "/conversations?per_page=" + strconv.Itoa(checkPageSize) + "&page=" + strconv.Itoa(p),
		header: f.header(), canned: `[]`, limit: maxListResponse})
	if err != nil {
		return nil, err
	}
	var got []struct {
		Body     string `json:"body"`
		BodyText string `json:"body_text"`
	}
	if err := json.Unmarshal(res.body, &got); err != nil {
		return nil, decodeError("freshdesk", "append.check", err)
	}
	texts := make([]string, 0, len(got))
	for _, c := range got {
		texts = append(texts, c.Body+"\n"+c.BodyText)
	}
	return texts, nil
}

// Close resolves the ticket (status 4), unless an agent already resolved
// or closed it: that ticket is left as it is. A ticket an agent deleted
// has nothing left to close (see ticketGone).
func (f *Freshdesk) Close(ctx context.Context, t flows.TicketRef) error {
	if err := checkTicketID("freshdesk", "close", t.ID); err != nil {
		return err
	}
	info, err := f.ticketInfo(ctx, t.ID, "close.lookup")
	if err != nil {
		if gone, gerr := f.ticketGone(ctx, err); !gone {
			return gerr
		}
		return nil // deleted: nothing is left to close
	}
	if info.Status == freshdeskResolved || info.Status == freshdeskClosed {
		return nil
	}
	_, err = f.s.send(ctx, call{op: "close", method: http.MethodPut,
		url: f.base + "/api/v2/tickets/" + t.ID, header: f.header(),
		body:   []byte(`{"status":` + strconv.Itoa(freshdeskResolved) + `}`),
		canned: `{"id":` + t.ID + `,"status":4}`})
	if err != nil {
		if gone, gerr := f.ticketGone(ctx, err); !gone {
			return gerr
		}
		return nil // deleted since the look-up
	}
	return nil
}

// ticketGone tells what a 404 on a ticket means: Freshdesk answers 404
// for a ticket an agent deleted, and also for every request when the
// domain or base URL is wrong. The API key's own agent
// (GET /api/v2/agents/me, "View Me") tells them apart, as Zendesk's
// ticketGone does; any err but a 404 is returned as it is.
func (f *Freshdesk) ticketGone(ctx context.Context, err error) (bool, error) {
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusNotFound {
		return false, err
	}
	_, merr := f.s.send(ctx, call{op: "lookup.me", method: http.MethodGet, url: f.base + "/api/v2/agents/me", header: f.header(),
		canned: `{"id":4001}`})
	return accountAnswers(err, merr, "/api/v2/agents/me", "connectors.freshdesk.domain")
}
