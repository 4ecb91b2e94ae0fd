package handofftest

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Freshdesk is a fake Freshdesk account. It implements the endpoints
// Baton's connector uses, as documented on developers.freshdesk.com/api:
// create a ticket (the requester found or created by e-mail, phone or
// unique_external_id; JSON or multipart), view and update one, list all
// tickets filtered by e-mail or unique_external_id (from the database:
// consistent), filter tickets by tag through the search index (which
// shows a ticket only IndexLag after its creation), create a note (JSON
// or multipart with attachments[]) and list a ticket's conversations. An
// incoming public note by the requester reopens a pending, resolved or
// closed ticket, as a customer's reply does when the account's default
// automation "reopen when the customer responds" runs. With RateLimit it
// answers 429 past the calls a minute, as Freshdesk does.
type Freshdesk struct {
	desk
	auth string
	// IndexLag is how long a new ticket stays out of search results.
	IndexLag time.Duration
	// RateLimit, when set, is the account's API calls a minute ("Rate
	// Limit": per plan, every request counts, even an invalid one):
	// each answer carries X-RateLimit-Total, X-RateLimit-Remaining and
	// X-RateLimit-Used-CurrentRequest, and a call over the limit is
	// answered 429 with Retry-After (seconds) and nothing done. The
	// minute is the fake clock's.
	RateLimit int

	mu       sync.Mutex
	window   time.Time // start of the rate limit's current minute
	used     int       // calls counted in it
	nextID   int64
	ticketID int64
	contacts []*FreshdeskContact
	tickets  []*FreshdeskTicket
	reqs     []string
}

// FreshdeskContact is a contact of the fake.
type FreshdeskContact struct {
	ID               int64  `json:"id"`
	Name             string `json:"name"`
	Email            string `json:"email,omitempty"`
	Phone            string `json:"phone,omitempty"`
	UniqueExternalID string `json:"unique_external_id,omitempty"`
}

// FreshdeskTicket is a ticket of the fake.
type FreshdeskTicket struct {
	ID           int64           `json:"id"`
	Subject      string          `json:"subject"`
	Description  string          `json:"description"`
	Status       int             `json:"status"`
	Priority     int             `json:"priority"`
	Source       int             `json:"source"`
	RequesterID  int64           `json:"requester_id"`
	GroupID      int64           `json:"group_id,omitempty"`
	ResponderID  int64           `json:"responder_id,omitempty"`
	Tags         []string        `json:"tags"`
	CustomFields map[string]any  `json:"custom_fields,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
	Notes        []FreshdeskNote `json:"-"`
	Attachments  []FreshdeskFile `json:"-"`
	// Deleted is set by DeleteTicket: every request for the ticket
	// answers 404.
	Deleted bool `json:"-"`
}

// FreshdeskNote is a note on a ticket of the fake.
type FreshdeskNote struct {
	ID          int64           `json:"id"`
	Body        string          `json:"body"`
	Private     bool            `json:"private"`
	Incoming    bool            `json:"incoming"`
	UserID      int64           `json:"user_id"`
	Attachments []FreshdeskFile `json:"-"`
	Created     time.Time       `json:"created_at"`
}

// FreshdeskFile is an attachment.
type FreshdeskFile struct {
	Name, ContentType string
	Data              []byte
}

// NewFreshdesk starts a fake Freshdesk on clock accepting apiKey. It stops
// with the test.
func NewFreshdesk(t testing.TB, clock *Clock, apiKey string) *Freshdesk {
	f := &Freshdesk{desk: desk{clock: clock}, nextID: 5000, ticketID: 3000, auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(apiKey+":X"))}
	f.start(t, f.handle)
	return f
}

// Tickets returns copies of the tickets, oldest first.
func (f *Freshdesk) Tickets() []FreshdeskTicket {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FreshdeskTicket, len(f.tickets))
	for i, t := range f.tickets {
		out[i] = *t
		out[i].Notes = slices.Clone(t.Notes)
	}
	return out
}

// SetStatus changes a ticket's status as an agent would.
func (f *Freshdesk) SetStatus(id int64, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t := f.ticket(id); t != nil {
		t.Status = status
	}
}

// DeleteTicket deletes a ticket as an agent would: from then on every
// request for it, a view, an update, a note, its conversations, answers
// 404 not_found.
func (f *Freshdesk) DeleteTicket(id int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t := f.ticket(id); t != nil {
		t.Deleted = true
	}
}

// Requests returns "METHOD path" of every request, in order.
func (f *Freshdesk) Requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

func (f *Freshdesk) id() int64 { f.nextID++; return f.nextID }

func (f *Freshdesk) ticket(id int64) *FreshdeskTicket {
	for _, t := range f.tickets {
		if t.ID == id {
			return t
		}
	}
	return nil
}

func (f *Freshdesk) handle(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, r.Method+" "+r.URL.Path)
	w.Header().Set("Content-Type", "application/json")
	if f.RateLimit > 0 {
		now := f.clock.Now()
		if f.window.IsZero() || !now.Before(f.window.Add(time.Minute)) {
			f.window, f.used = now, 0
		}
		w.Header().Set("X-RateLimit-Total", strconv.Itoa(f.RateLimit))
		if f.used >= f.RateLimit {
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("Retry-After", strconv.Itoa(int(f.window.Add(time.Minute).Sub(now).Seconds()+0.999)))
			reply(w, 429, `{"code":"rate_limit_exceeded","message":"You have exceeded the limit of requests per minute"}`)
			return
		}
		f.used++
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(f.RateLimit-f.used))
		w.Header().Set("X-RateLimit-Used-CurrentRequest", "1")
	}
	if r.Header.Get("Authorization") != f.auth {
		reply(w, 401, `{"code":"invalid_credentials","message":"You have to be logged in to perform this action."}`)
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == "GET" && r.URL.Path == "/api/v2/search/tickets":
		f.search(w, r)
	case r.Method == "GET" && r.URL.Path == "/api/v2/agents/me":
		// "View Me": the agent whose API key authenticates.
		writeJSON(w, 200, map[string]any{"id": 4001, "available": true, "contact": map[string]any{"name": "Baton API", "email": "bot@acme.test"}})
	case r.Method == "GET" && r.URL.Path == "/api/v2/tickets":
		f.list(w, r)
	case r.Method == "POST" && r.URL.Path == "/api/v2/tickets":
		f.create(w, r)
	case len(parts) >= 4 && parts[2] == "tickets":
		id, err := strconv.ParseInt(parts[3], 10, 64)
		t := f.ticket(id)
		if err != nil || t == nil || t.Deleted {
			reply(w, 404, `{"code":"not_found","message":"Record not found"}`)
			return
		}
		switch {
		case r.Method == "GET" && len(parts) == 4:
			writeJSON(w, 200, t)
		case r.Method == "PUT" && len(parts) == 4:
			var in struct {
				Status int `json:"status"`
			}
			body, _ := io.ReadAll(r.Body)
			if json.Unmarshal(body, &in) != nil || in.Status < 2 || in.Status > 5 {
				reply(w, 400, `{"description":"Validation failed","errors":[{"field":"status","message":"It should be one of these values: '2,3,4,5'","code":"invalid_value"}]}`)
				return
			}
			t.Status = in.Status
			writeJSON(w, 200, t)
		case r.Method == "POST" && len(parts) == 5 && parts[4] == "notes":
			f.note(w, r, t)
		case r.Method == "GET" && len(parts) == 5 && parts[4] == "conversations":
			f.conversations(w, r, t)
		default:
			reply(w, 404, `{"code":"not_found"}`)
		}
	default:
		reply(w, 404, `{"code":"not_found"}`)
	}
}

// fields reads a JSON or multipart body into a map of field → values, and
// the files of attachments[].
func fields(r *http.Request) (map[string]any, []FreshdeskFile, error) {
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		var m map[string]any
		body, _ := io.ReadAll(r.Body)
		err := json.Unmarshal(body, &m)
		return m, nil, err
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	m := map[string]any{}
	var files []FreshdeskFile
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return m, files, nil
		}
		if err != nil {
			return nil, nil, err
		}
		data, _ := io.ReadAll(p)
		name := p.FormName()
		if p.FileName() != "" {
			files = append(files, FreshdeskFile{Name: p.FileName(), ContentType: p.Header.Get("Content-Type"), Data: data})
			continue
		}
		if strings.HasSuffix(name, "[]") {
			l, _ := m[strings.TrimSuffix(name, "[]")].([]any)
			m[strings.TrimSuffix(name, "[]")] = append(l, string(data))
			continue
		}
		m[name] = string(data)
	}
}

func num(v any) int64 {
	switch x := v.(type) {
	case float64:
		return int64(x)
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}

func str(v any) string { s, _ := v.(string); return s }

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return x == "true"
	}
	return false
}

func (f *Freshdesk) create(w http.ResponseWriter, r *http.Request) {
	m, files, err := fields(r)
	if err != nil {
		reply(w, 400, `{"description":"Validation failed","errors":[{"field":"","message":"Invalid JSON","code":"invalid_json"}]}`)
		return
	}
	email, phone, uid := str(m["email"]), str(m["phone"]), str(m["unique_external_id"])
	if email == "" && phone == "" && uid == "" && num(m["requester_id"]) == 0 {
		reply(w, 400, `{"description":"Validation failed","errors":[{"field":"requester_id","message":"Please fill at least 1 of requester_id, phone, email, twitter_id, facebook_id, unique_external_id fields","code":"missing_field"}]}`)
		return
	}
	if phone != "" && email == "" && uid == "" && str(m["name"]) == "" {
		reply(w, 400, `{"description":"Validation failed","errors":[{"field":"name","message":"It should be a/an String","code":"missing_field"}]}`)
		return
	}
	var c *FreshdeskContact
	for _, x := range f.contacts {
		if (email != "" && x.Email == email) || (uid != "" && x.UniqueExternalID == uid) || (email == "" && uid == "" && phone != "" && x.Phone == phone) {
			c = x
			break
		}
	}
	if c == nil {
		c = &FreshdeskContact{ID: f.id(), Name: str(m["name"]), Email: email, Phone: phone, UniqueExternalID: uid}
		f.contacts = append(f.contacts, c)
	}
	f.ticketID++
	t := &FreshdeskTicket{ID: f.ticketID, Subject: str(m["subject"]), Description: str(m["description"]), Status: int(num(m["status"])),
		Priority: int(num(m["priority"])), Source: int(num(m["source"])), RequesterID: c.ID, GroupID: num(m["group_id"]),
		ResponderID: num(m["responder_id"]), CreatedAt: f.clock.Now(), Attachments: files}
	if tags, ok := m["tags"].([]any); ok {
		for _, x := range tags {
			t.Tags = append(t.Tags, str(x))
		}
	}
	if cf, ok := m["custom_fields"].(map[string]any); ok {
		t.CustomFields = cf
	}
	f.tickets = append(f.tickets, t)
	writeJSON(w, 201, t)
}

func (f *Freshdesk) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("query")
	if !strings.HasPrefix(q, `"`) || !strings.HasSuffix(q, `"`) {
		reply(w, 400, `{"description":"Validation failed","errors":[{"field":"query","message":"Query should be enclosed in double quotes","code":"invalid_value"}]}`)
		return
	}
	tag, ok := strings.CutPrefix(strings.Trim(q, `"`), "tag:")
	tag = strings.Trim(tag, "'")
	results := []*FreshdeskTicket{}
	for _, t := range f.tickets {
		if ok && !t.Deleted && slices.Contains(t.Tags, tag) && !f.clock.Now().Before(t.CreatedAt.Add(f.IndexLag)) {
			results = append(results, t)
		}
	}
	writeJSON(w, 200, map[string]any{"results": results, "total": len(results)})
}

func (f *Freshdesk) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var c *FreshdeskContact
	for _, x := range f.contacts {
		if (q.Get("email") != "" && x.Email == q.Get("email")) || (q.Get("unique_external_id") != "" && x.UniqueExternalID == q.Get("unique_external_id")) {
			c = x
		}
	}
	if c == nil {
		// Freshdesk refuses a filter naming no contact (as its API
		// answers "GET /api/v2/tickets?email=" for an unknown address).
		field := "email"
		if q.Get("email") == "" {
			field = "unique_external_id"
		}
		reply(w, 400, `{"description":"Validation failed","errors":[{"field":"`+field+`","message":"There is no contact matching the given `+field+`","code":"invalid_value"}]}`)
		return
	}
	out := []*FreshdeskTicket{}
	for _, t := range f.tickets {
		if t.RequesterID == c.ID && !t.Deleted {
			out = append(out, t)
		}
	}
	slices.Reverse(out) // newest first, as Freshdesk orders by created_at desc
	writeJSON(w, 200, out)
}

func (f *Freshdesk) note(w http.ResponseWriter, r *http.Request, t *FreshdeskTicket) {
	m, files, err := fields(r)
	if err != nil || str(m["body"]) == "" {
		reply(w, 400, `{"description":"Validation failed","errors":[{"field":"body","message":"It should be a/an String","code":"missing_field"}]}`)
		return
	}
	private := true
	if v, ok := m["private"]; ok {
		private = truthy(v)
	}
	n := FreshdeskNote{ID: f.id(), Body: str(m["body"]), Private: private, Incoming: truthy(m["incoming"]), UserID: num(m["user_id"]),
		Attachments: files, Created: f.clock.Now()}
	t.Notes = append(t.Notes, n)
	if n.Incoming && !n.Private && n.UserID == t.RequesterID && t.Status >= 3 {
		t.Status = 2 // the customer replied: open again
	}
	writeJSON(w, 201, map[string]any{"id": n.ID, "ticket_id": t.ID, "body": n.Body, "private": n.Private, "incoming": n.Incoming, "user_id": n.UserID})
}

func (f *Freshdesk) conversations(w http.ResponseWriter, r *http.Request, t *FreshdeskTicket) {
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if per <= 0 || per > 100 {
		per = 30
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	start := min((page-1)*per, len(t.Notes))
	end := min(start+per, len(t.Notes))
	out := make([]map[string]any, 0, end-start)
	for _, n := range t.Notes[start:end] {
		out = append(out, map[string]any{"id": n.ID, "body": n.Body, "body_text": n.Body, "private": n.Private, "incoming": n.Incoming, "user_id": n.UserID})
	}
	if end < len(t.Notes) {
		w.Header().Set("Link", `<http://`+r.Host+r.URL.Path+`?per_page=`+strconv.Itoa(per)+`&page=`+strconv.Itoa(page+1)+`>; rel="next"`)
	}
	writeJSON(w, 200, out)
}
