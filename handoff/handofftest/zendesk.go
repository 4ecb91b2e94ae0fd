package handofftest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Zendesk is a fake Zendesk Support account. It implements the endpoints
// Baton's connector uses, as documented on developer.zendesk.com: users
// create_or_update (by external_id or e-mail; an e-mail that belongs to
// another user than the external_id's is refused with 422), tickets (create with
// Idempotency-Key, kept two hours; show; list by external_id; update with
// a comment, status, assignee, external_id and additional_tags), the
// Requests API on behalf of an end user (X-On-Behalf-Of, OAuth only; the
// requester or a CC), comments (newest first with
// sort_order=desc), a requester's tickets (users/{id}/tickets/requested,
// newest first with sort_by=created_at&sort_order=desc), users/me and
// uploads. It enforces what Zendesk does:
// a closed ticket takes no update, a ticket is solved only with an
// assignee, an idempotency key reused with another body is refused, an
// end user's comment reopens a pending or solved ticket.
type Zendesk struct {
	desk
	auth []string // accepted Authorization headers

	mu     sync.Mutex
	nextID int64
	// ticketID numbers tickets apart from users and comments, as Zendesk
	// does.
	ticketID int64
	users    map[int64]*ZendeskUser
	tickets  []*ZendeskTicket
	keys     map[string]idemKey
	uploads  map[string]ZendeskUpload
	me       int64
	reqs     []string
}

// ZendeskUser is a user of the fake.
type ZendeskUser struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	ExternalID string `json:"external_id,omitempty"`
	Email      string `json:"email,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Role       string `json:"role"`
}

// ZendeskTicket is a ticket of the fake.
type ZendeskTicket struct {
	ID           int64            `json:"id"`
	Subject      string           `json:"subject"`
	Status       string           `json:"status"`
	Priority     string           `json:"priority"`
	RequesterID  int64            `json:"requester_id"`
	AssigneeID   *int64           `json:"assignee_id"`
	GroupID      int64            `json:"group_id,omitempty"`
	ExternalID   string           `json:"external_id,omitempty"`
	Tags         []string         `json:"tags"`
	CustomFields []map[string]any `json:"custom_fields,omitempty"`
	// CollaboratorIDs are the users CC'd on the ticket: a merge adds the
	// requester of the ticket merged away.
	CollaboratorIDs []int64          `json:"collaborator_ids"`
	CreatedAt       time.Time        `json:"created_at"`
	Comments        []ZendeskComment `json:"-"`
	// Deleted is set by DeleteTicket: the ticket is in the account's
	// deleted tickets, and the Tickets API answers 404 for it.
	Deleted bool `json:"-"`
}

// ZendeskComment is a comment on a ticket of the fake.
type ZendeskComment struct {
	ID       int64    `json:"id"`
	Body     string   `json:"body"`
	HTMLBody string   `json:"html_body"`
	Public   bool     `json:"public"`
	AuthorID int64    `json:"author_id"`
	Uploads  []string `json:"-"`
	Via      string   `json:"-"` // "tickets" or "requests": the API that wrote it
	// Channel is the comment's via type ("Via types reference"): "api"
	// for the API's, "web" for an agent's, "merge" for a merge's.
	Channel string    `json:"-"`
	Updater int64     `json:"-"` // who made the update: the API user or the impersonated end user
	Created time.Time `json:"created_at"`
}

// ZendeskUpload is a file uploaded to the fake.
type ZendeskUpload struct {
	Name, ContentType string
	Data              []byte
}

type idemKey struct {
	at     time.Time
	digest [32]byte
	status int
	body   []byte
}

// NewZendesk starts a fake Zendesk on clock, accepting the basic-auth API
// token of email/token and the Bearer OAuth token oauth (either may be
// empty). It stops with the test.
func NewZendesk(t testing.TB, clock *Clock, email, token, oauth string) *Zendesk {
	z := &Zendesk{desk: desk{clock: clock}, nextID: 9000, ticketID: 4000, users: map[int64]*ZendeskUser{}, keys: map[string]idemKey{}, uploads: map[string]ZendeskUpload{}}
	if email != "" {
		z.auth = append(z.auth, "Basic "+base64.StdEncoding.EncodeToString([]byte(email+"/token:"+token)))
	}
	if oauth != "" {
		z.auth = append(z.auth, "Bearer "+oauth)
	}
	z.me = z.id()
	z.users[z.me] = &ZendeskUser{ID: z.me, Name: "Baton API", Email: email, Role: "admin"}
	z.start(t, z.handle)
	return z
}

// Tickets returns copies of the tickets, oldest first.
func (z *Zendesk) Tickets() []ZendeskTicket {
	z.mu.Lock()
	defer z.mu.Unlock()
	out := make([]ZendeskTicket, len(z.tickets))
	for i, t := range z.tickets {
		out[i] = *t
		out[i].Comments = slices.Clone(t.Comments)
	}
	return out
}

// Ticket returns a copy of ticket id.
func (z *Zendesk) Ticket(id int64) (ZendeskTicket, bool) {
	for _, t := range z.Tickets() {
		if t.ID == id {
			return t, true
		}
	}
	return ZendeskTicket{}, false
}

// SetStatus changes a ticket's status as an agent would (assigning it
// first when solving).
func (z *Zendesk) SetStatus(id int64, status string) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if t := z.ticket(id); t != nil {
		if t.AssigneeID == nil {
			me := z.me
			t.AssigneeID = &me
		}
		t.Status = status
	}
}

// DeleteTicket deletes a ticket as an agent would (Delete Ticket: it
// goes to the deleted tickets, restorable for 30 days): from then on
// every request for it, a read, an update, its comments, answers 404
// RecordNotFound, as Zendesk does for a deleted ticket.
func (z *Zendesk) DeleteTicket(id int64) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if t := z.ticket(id); t != nil {
		t.Deleted = true
	}
}

// MergeTicket merges ticket source into target as an agent would ("Merge
// Tickets into Target Ticket", POST /api/v2/tickets/{target}/merge): the
// source is closed, and each ticket gets a private comment whose via
// channel is "merge" ("Via types reference": via id 19): on the source
// sourceComment (Zendesk's agent interface proposes "This request was
// closed and merged into request #<target> …"; through the API it is the
// caller's text, and may be empty: then the source gets no comment), on
// the target one naming the source. From then on the source takes no
// update (it is closed). As "Merging tickets" says (with CCs enabled), the
// source's requester, when another user, and its CCs become CCs of the
// target; the target keeps its own requester, external_id and tags.
func (z *Zendesk) MergeTicket(source, target int64, sourceComment string) {
	z.mu.Lock()
	defer z.mu.Unlock()
	s, t := z.ticket(source), z.ticket(target)
	if s == nil || t == nil {
		return
	}
	for _, u := range append([]int64{s.RequesterID}, s.CollaboratorIDs...) {
		if u != t.RequesterID && !slices.Contains(t.CollaboratorIDs, u) {
			t.CollaboratorIDs = append(t.CollaboratorIDs, u)
		}
	}
	now := z.clock.Now()
	if sourceComment != "" {
		s.Comments = append(s.Comments, ZendeskComment{ID: z.id(), Body: sourceComment, AuthorID: z.me, Via: "web", Channel: "merge", Updater: z.me, Created: now})
	}
	t.Comments = append(t.Comments, ZendeskComment{ID: z.id(), Body: fmt.Sprintf("Request #%d was closed and merged into this request.", source),
		AuthorID: z.me, Via: "web", Channel: "merge", Updater: z.me, Created: now})
	s.Status = "closed"
}

// EmailTicket adds an open ticket as a customer's e-mail makes one: a new
// end user with email as its requester, the e-mail as its first public
// comment, no external_id and no tags. It returns the ticket's id.
func (z *Zendesk) EmailTicket(email, subject, body string) int64 {
	z.mu.Lock()
	defer z.mu.Unlock()
	uid := z.id()
	z.users[uid] = &ZendeskUser{ID: uid, Name: email, Email: email, Role: "end-user"}
	z.ticketID++
	t := &ZendeskTicket{ID: z.ticketID, Subject: subject, Status: "open", Priority: "normal", RequesterID: uid, Tags: []string{}, CreatedAt: z.clock.Now()}
	t.Comments = append(t.Comments, ZendeskComment{ID: z.id(), Body: body, Public: true, AuthorID: uid, Via: "email", Channel: "email", Updater: uid, Created: z.clock.Now()})
	z.tickets = append(z.tickets, t)
	return t.ID
}

// SetExternalID sets a ticket's external_id, as another integration
// would.
func (z *Zendesk) SetExternalID(id int64, ext string) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if t := z.ticket(id); t != nil {
		t.ExternalID = ext
	}
}

// AgentComment adds an agent's public reply to a ticket, as an agent
// would in Zendesk's agent workspace.
func (z *Zendesk) AgentComment(id int64, body string) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if t := z.ticket(id); t != nil {
		t.Comments = append(t.Comments, ZendeskComment{ID: z.id(), Body: body, Public: true, AuthorID: z.me, Via: "web", Channel: "web", Updater: z.me, Created: z.clock.Now()})
	}
}

// Requests returns "METHOD path" of every request, in order.
func (z *Zendesk) Requests() []string {
	z.mu.Lock()
	defer z.mu.Unlock()
	return slices.Clone(z.reqs)
}

// Upload returns the file uploaded with token.
func (z *Zendesk) Upload(token string) (ZendeskUpload, bool) {
	z.mu.Lock()
	defer z.mu.Unlock()
	u, ok := z.uploads[token]
	return u, ok
}

func (z *Zendesk) id() int64 { z.nextID++; return z.nextID }

func (z *Zendesk) ticket(id int64) *ZendeskTicket {
	for _, t := range z.tickets {
		if t.ID == id {
			return t
		}
	}
	return nil
}

func (z *Zendesk) handle(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 50<<20))
	z.mu.Lock()
	defer z.mu.Unlock()
	z.reqs = append(z.reqs, r.Method+" "+r.URL.Path)
	w.Header().Set("Content-Type", "application/json")
	if !slices.Contains(z.auth, r.Header.Get("Authorization")) {
		reply(w, 401, `{"error":"Couldn't authenticate you"}`)
		return
	}
	path := strings.TrimSuffix(r.URL.Path, ".json")
	parts := strings.Split(strings.Trim(path, "/"), "/") // api v2 tickets {id} comments
	if len(parts) < 3 || parts[0] != "api" || parts[1] != "v2" {
		reply(w, 404, `{"error":"InvalidEndpoint"}`)
		return
	}
	switch {
	case r.Method == "POST" && path == "/api/v2/users/create_or_update":
		z.upsertUser(w, body)
	case r.Method == "GET" && path == "/api/v2/users/me":
		writeJSON(w, 200, map[string]any{"user": z.users[z.me]})
	case r.Method == "POST" && path == "/api/v2/uploads":
		tok := fmt.Sprintf("upl%d", z.id())
		z.uploads[tok] = ZendeskUpload{Name: r.URL.Query().Get("filename"), ContentType: r.Header.Get("Content-Type"), Data: body}
		writeJSON(w, 201, map[string]any{"upload": map[string]any{"token": tok}})
	case r.Method == "POST" && path == "/api/v2/tickets":
		z.createTicket(w, r, body)
	case r.Method == "GET" && path == "/api/v2/tickets":
		ext := r.URL.Query().Get("external_id")
		list := []*ZendeskTicket{}
		for _, t := range z.tickets {
			if ext != "" && t.ExternalID == ext && !t.Deleted {
				list = append(list, t)
			}
		}
		writeJSON(w, 200, map[string]any{"tickets": list, "count": len(list)})
	case r.Method == "GET" && len(parts) == 6 && parts[2] == "users" && parts[4] == "tickets" && parts[5] == "requested":
		// "List Tickets" of a requester: newest first with
		// sort_by=created_at&sort_order=desc, 100 a page at most.
		id, _ := strconv.ParseInt(parts[3], 10, 64)
		if z.users[id] == nil {
			reply(w, 404, `{"error":"RecordNotFound","description":"Not found"}`)
			return
		}
		list := []*ZendeskTicket{}
		for _, t := range z.tickets {
			if t.RequesterID == id && !t.Deleted {
				list = append(list, t)
			}
		}
		if r.URL.Query().Get("sort_by") == "created_at" && r.URL.Query().Get("sort_order") == "desc" {
			slices.Reverse(list)
		}
		per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
		if per <= 0 || per > 100 {
			per = 100
		}
		count := len(list)
		list = list[:min(per, len(list))]
		writeJSON(w, 200, map[string]any{"tickets": list, "count": count})
	case len(parts) >= 4 && (parts[2] == "tickets" || parts[2] == "requests"):
		id, err := strconv.ParseInt(parts[3], 10, 64)
		t := z.ticket(id)
		if err != nil || t == nil || t.Deleted {
			reply(w, 404, `{"error":"RecordNotFound","description":"Not found"}`)
			return
		}
		switch {
		case r.Method == "GET" && len(parts) == 4 && parts[2] == "tickets":
			writeJSON(w, 200, map[string]any{"ticket": t})
		case r.Method == "GET" && len(parts) == 5 && parts[4] == "comments":
			z.listComments(w, r, t)
		case r.Method == "PUT" && len(parts) == 4 && parts[2] == "tickets":
			z.updateTicket(w, t, body)
		case r.Method == "PUT" && len(parts) == 4 && parts[2] == "requests":
			z.updateRequest(w, r, t, body)
		default:
			reply(w, 404, `{"error":"InvalidEndpoint"}`)
		}
	default:
		reply(w, 404, `{"error":"InvalidEndpoint"}`)
	}
}

func (z *Zendesk) upsertUser(w http.ResponseWriter, body []byte) {
	var in struct {
		User ZendeskUser `json:"user"`
	}
	if json.Unmarshal(body, &in) != nil || in.User.Name == "" {
		reply(w, 422, `{"error":"RecordInvalid","description":"Record validation errors","details":{"name":[{"description":"Name: cannot be blank"}]}}`)
		return
	}
	for _, u := range z.users {
		if (in.User.ExternalID != "" && u.ExternalID == in.User.ExternalID) || (in.User.ExternalID == "" && in.User.Email != "" && u.Email == in.User.Email) {
			// An e-mail sent for a user found by external_id is added to
			// it as an identity; one that belongs to another user is
			// refused, as Zendesk does.
			if e := in.User.Email; e != "" && u.Email != e {
				for _, o := range z.users {
					if o != u && o.Email == e {
						reply(w, 422, `{"error":"RecordInvalid","description":"Record validation errors","details":{"email":[{"description":"Email: `+e+` is already being used by another user","error":"DuplicateValue"}]}}`)
						return
					}
				}
				if u.Email == "" {
					u.Email = e
				}
			}
			u.Name = in.User.Name
			writeJSON(w, 200, map[string]any{"user": u})
			return
		}
	}
	u := in.User
	u.ID, u.Role = z.id(), "end-user"
	z.users[u.ID] = &u
	writeJSON(w, 201, map[string]any{"user": u})
}

// zendeskCommentIn is a comment in a request body.
type zendeskCommentIn struct {
	Body     string   `json:"body"`
	HTMLBody string   `json:"html_body"`
	Public   *bool    `json:"public"`
	AuthorID int64    `json:"author_id"`
	Uploads  []string `json:"uploads"`
}

func (z *Zendesk) createTicket(w http.ResponseWriter, r *http.Request, body []byte) {
	key := r.Header.Get("Idempotency-Key")
	digest := sha256.Sum256(body)
	if k, ok := z.keys[key]; key != "" && ok && z.clock.Now().Sub(k.at) < 2*time.Hour {
		if k.digest != digest {
			reply(w, 400, `{"error":"IdempotentRequestError","description":"Request parameters do not match the original request for this idempotency key"}`)
			return
		}
		w.Header().Set("x-idempotency-lookup", "hit")
		w.WriteHeader(k.status)
		w.Write(k.body)
		return
	}
	var in struct {
		Ticket struct {
			Subject      string           `json:"subject"`
			Comment      zendeskCommentIn `json:"comment"`
			RequesterID  int64            `json:"requester_id"`
			Priority     string           `json:"priority"`
			Tags         []string         `json:"tags"`
			GroupID      int64            `json:"group_id"`
			AssigneeID   int64            `json:"assignee_id"`
			ExternalID   string           `json:"external_id"`
			CustomFields []map[string]any `json:"custom_fields"`
		} `json:"ticket"`
	}
	if err := json.Unmarshal(body, &in); err != nil || (in.Ticket.Comment.Body == "" && in.Ticket.Comment.HTMLBody == "") {
		reply(w, 422, `{"error":"RecordInvalid","description":"Record validation errors","details":{"description":[{"description":"Description: cannot be blank"}]}}`)
		return
	}
	if z.users[in.Ticket.RequesterID] == nil {
		reply(w, 422, `{"error":"RecordInvalid","description":"Record validation errors","details":{"requester":[{"description":"Requester: is invalid"}]}}`)
		return
	}
	in2 := in.Ticket
	z.ticketID++
	t := &ZendeskTicket{ID: z.ticketID, Subject: in2.Subject, Status: "new", Priority: in2.Priority, RequesterID: in2.RequesterID,
		GroupID: in2.GroupID, ExternalID: in2.ExternalID, Tags: normTags(in2.Tags), CustomFields: in2.CustomFields, CreatedAt: z.clock.Now()}
	if in2.AssigneeID != 0 {
		a := in2.AssigneeID
		t.AssigneeID = &a
		t.Status = "open"
	}
	pub := true
	if in2.Comment.Public != nil {
		pub = *in2.Comment.Public
	}
	t.Comments = append(t.Comments, ZendeskComment{ID: z.id(), Body: in2.Comment.Body, HTMLBody: in2.Comment.HTMLBody, Public: pub,
		AuthorID: z.me, Via: "tickets", Channel: "api", Updater: z.me, Created: z.clock.Now()})
	z.tickets = append(z.tickets, t)
	out, _ := json.Marshal(map[string]any{"ticket": t})
	if key != "" {
		z.keys[key] = idemKey{at: z.clock.Now(), digest: digest, status: 201, body: out}
	}
	w.Header().Set("x-idempotency-lookup", "miss")
	w.WriteHeader(201)
	w.Write(out)
}

func (z *Zendesk) updateTicket(w http.ResponseWriter, t *ZendeskTicket, body []byte) {
	var in struct {
		Ticket struct {
			Comment        *zendeskCommentIn `json:"comment"`
			Status         string            `json:"status"`
			AssigneeID     *int64            `json:"assignee_id"`
			ExternalID     *string           `json:"external_id"`
			AdditionalTags []string          `json:"additional_tags"`
		} `json:"ticket"`
	}
	if json.Unmarshal(body, &in) != nil {
		reply(w, 400, `{"error":"InvalidJSON"}`)
		return
	}
	if t.Status == "closed" {
		reply(w, 422, `{"error":"RecordInvalid","description":"Record validation errors","details":{"status":[{"description":"Status: closed prevents ticket update"}]}}`)
		return
	}
	assignee := t.AssigneeID
	if in.Ticket.AssigneeID != nil {
		assignee = in.Ticket.AssigneeID
	}
	if in.Ticket.Status == "solved" && assignee == nil {
		reply(w, 422, `{"error":"RecordInvalid","description":"Record validation errors","details":{"assignee":[{"description":"Assignee: is required when solving a ticket"}]}}`)
		return
	}
	if c := in.Ticket.Comment; c != nil {
		pub := true
		if c.Public != nil {
			pub = *c.Public
		}
		author := z.me
		if c.AuthorID != 0 {
			author = c.AuthorID
		}
		t.Comments = append(t.Comments, ZendeskComment{ID: z.id(), Body: c.Body, HTMLBody: c.HTMLBody, Public: pub, AuthorID: author,
			Uploads: c.Uploads, Via: "tickets", Channel: "api", Updater: z.me, Created: z.clock.Now()})
	}
	t.AssigneeID = assignee
	if in.Ticket.ExternalID != nil {
		t.ExternalID = *in.Ticket.ExternalID
	}
	for _, tag := range normTags(in.Ticket.AdditionalTags) {
		if !slices.Contains(t.Tags, tag) {
			t.Tags = append(t.Tags, tag)
		}
	}
	if in.Ticket.Status != "" {
		t.Status = in.Ticket.Status
	}
	writeJSON(w, 200, map[string]any{"ticket": t})
}

// updateRequest is an end user's update through the Requests API, made
// by an admin's OAuth token on the user's behalf.
func (z *Zendesk) updateRequest(w http.ResponseWriter, r *http.Request, t *ZendeskTicket, body []byte) {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		reply(w, 403, `{"error":"Forbidden","description":"X-On-Behalf-Of needs an OAuth token with the impersonate scope"}`)
		return
	}
	uid, _ := strconv.ParseInt(r.Header.Get("X-On-Behalf-Of"), 10, 64)
	if uid != t.RequesterID && !slices.Contains(t.CollaboratorIDs, uid) {
		reply(w, 403, `{"error":"Forbidden","description":"You do not have access to this page"}`)
		return
	}
	var in struct {
		Request struct {
			Comment zendeskCommentIn `json:"comment"`
		} `json:"request"`
	}
	if json.Unmarshal(body, &in) != nil || (in.Request.Comment.Body == "" && in.Request.Comment.HTMLBody == "") {
		reply(w, 422, `{"error":"RecordInvalid","description":"Record validation errors"}`)
		return
	}
	if t.Status == "closed" {
		reply(w, 422, `{"error":"RecordInvalid","description":"Record validation errors","details":{"status":[{"description":"Status: closed prevents ticket update"}]}}`)
		return
	}
	c := in.Request.Comment
	t.Comments = append(t.Comments, ZendeskComment{ID: z.id(), Body: c.Body, HTMLBody: c.HTMLBody, Public: true, AuthorID: uid,
		Uploads: c.Uploads, Via: "requests", Channel: "api", Updater: uid, Created: z.clock.Now()})
	if t.Status == "pending" || t.Status == "solved" || t.Status == "hold" {
		t.Status = "open" // the requester updated the ticket
	}
	writeJSON(w, 200, map[string]any{"request": map[string]any{"id": t.ID, "status": t.Status}})
}

func (z *Zendesk) listComments(w http.ResponseWriter, r *http.Request, t *ZendeskTicket) {
	cs := slices.Clone(t.Comments)
	if r.URL.Query().Get("sort_order") == "desc" {
		slices.Reverse(cs)
	}
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if per <= 0 || per > 100 {
		per = 100
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	start := min((page-1)*per, len(cs))
	end := min(start+per, len(cs))
	var next any
	if end < len(cs) {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(page+1))
		next = "http://" + r.Host + r.URL.Path + "?" + q.Encode()
	}
	out := make([]map[string]any, 0, end-start)
	for _, c := range cs[start:end] {
		out = append(out, map[string]any{"id": c.ID, "body": c.Body, "html_body": c.HTMLBody, "plain_body": c.Body,
			"public": c.Public, "author_id": c.AuthorID, "created_at": c.Created,
			"via": map[string]any{"channel": c.Channel, "source": map[string]any{"from": map[string]any{}, "to": map[string]any{}, "rel": nil}}})
	}
	writeJSON(w, 200, map[string]any{"comments": out, "next_page": next, "count": len(cs)})
}

func normTags(tags []string) []string {
	out := []string{}
	for _, t := range tags {
		for _, f := range strings.Fields(strings.ToLower(t)) {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

func reply(w http.ResponseWriter, status int, body string) {
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.WriteHeader(status)
	w.Write(b)
}
