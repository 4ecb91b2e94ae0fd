package studio

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/sandbox"
)

// maxBody bounds a request body the page posts.
const maxBody = 64 << 10

// Handler serves the page and its API:
//
//	GET  /                 the page
//	GET  /assets/...       its scripts, styles and vendored libraries
//	GET  /api/state        the conversation, the flow, the graph (JSON)
//	GET  /api/events       server-sent events: "version" after every change
//	GET  /api/source       ?state=NAME: the state's YAML with its position
//	GET  /api/test.yaml    the conversation as a `baton test` file (download)
//	POST /api/test         {"name": "x.yaml", "overwrite": false}: write it to the tests directory
//	POST /api/message      {"text": "..."}: the customer writes
//	POST /api/button       {"id": "...", "label": "..."}: the customer taps a button or list row
//	POST /api/clock        {"at": "2026-03-03T10:30"} or {"advance": "10m"}: move the clock, firing timeouts
//	POST /api/agent        {"text": "..."}: the agent replies (after a handoff)
//	POST /api/ticket       {"status": "solved"}: the agent solves (closes...) the ticket
//	POST /api/close        the customer closes the chat
//	POST /api/setup        {"lang", "channel", "profile"}: replays the conversation with them
//	POST /api/reset        a new conversation
//	POST /api/reload       load the flow file again
//
// Every POST answers with the state, as GET /api/state. POSTs must be
// JSON from the page's own origin.
func (s *Studio) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", http.HandlerFunc(s.page))
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.HandlerFunc(s.asset)))
	mux.HandleFunc("GET /api/state", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		snap := s.snapshot()
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, snap)
	})
	mux.HandleFunc("GET /api/events", s.events)
	mux.HandleFunc("GET /api/source", s.sourceHandler)
	mux.HandleFunc("GET /api/test.yaml", s.download)
	mux.Handle("POST /api/test", s.post(s.saveTest))
	mux.Handle("POST /api/message", s.action(func(ctx context.Context, r *request) error {
		if strings.TrimSpace(r.Text) == "" {
			return errors.New("write a message first")
		}
		s.do(ctx, input{Kind: sandbox.StepUser, Value: r.Text})
		return nil
	}))
	mux.Handle("POST /api/button", s.action(func(ctx context.Context, r *request) error {
		if r.ID == "" {
			return errors.New("a button needs its id")
		}
		s.do(ctx, input{Kind: sandbox.StepButton, Value: r.ID, Label: r.Label})
		return nil
	}))
	mux.Handle("POST /api/clock", s.action(s.clock))
	mux.Handle("POST /api/agent", s.action(func(ctx context.Context, r *request) error {
		if strings.TrimSpace(r.Text) == "" {
			return errors.New("write the agent's reply first")
		}
		s.do(ctx, input{Kind: sandbox.StepAgent, Value: r.Text})
		return nil
	}))
	mux.Handle("POST /api/ticket", s.action(func(ctx context.Context, r *request) error {
		if st := flows.TicketStatus(r.Status); st.Known() {
			s.do(ctx, input{Kind: sandbox.StepTicket, Value: string(st)})
			return nil
		}
		return fmt.Errorf("a ticket is %s, not %q", flows.TicketStatuses, r.Status)
	}))
	mux.Handle("POST /api/close", s.action(func(ctx context.Context, _ *request) error {
		s.do(ctx, input{Kind: sandbox.StepClose, Value: "true"})
		return nil
	}))
	mux.Handle("POST /api/setup", s.action(s.changeSetup))
	mux.Handle("POST /api/reset", s.action(func(ctx context.Context, _ *request) error { return s.reset(ctx) }))
	mux.Handle("POST /api/reload", s.action(func(ctx context.Context, _ *request) error {
		s.reload(ctx)
		return nil
	}))
	return mux
}

// request is any POST's body.
type request struct {
	Text    string   `json:"text"`
	ID      string   `json:"id"`
	Label   string   `json:"label"`
	Status  string   `json:"status"`
	At      string   `json:"at"`
	Advance string   `json:"advance"`
	Lang    string   `json:"lang"`
	Channel string   `json:"channel"`
	Profile *Profile `json:"profile"`
	Name    string   `json:"name"`
	// Overwrite allows "save as test" to replace a file.
	Overwrite bool `json:"overwrite"`
}

// apiError is an answer that is not the state.
type apiError struct {
	Error string `json:"error"`
	// Exists is set when a test file would be overwritten.
	Exists bool `json:"exists,omitempty"`
}

// post decodes a POST from the page and runs f, which writes the answer.
func (s *Studio) post(f func(w http.ResponseWriter, ctx context.Context, r *request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
		if err := sameOrigin(hr); err != nil {
			s.log.Warn("sandbox: request refused", "path", hr.URL.Path, "error", err)
			writeJSON(w, http.StatusForbidden, apiError{Error: err.Error()})
			return
		}
		var r request
		if hr.ContentLength != 0 {
			dec := json.NewDecoder(http.MaxBytesReader(w, hr.Body, maxBody))
			if err := dec.Decode(&r); err != nil {
				writeJSON(w, http.StatusBadRequest, apiError{Error: "the body is not the JSON the page sends: " + err.Error()})
				return
			}
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		f(w, hr.Context(), &r)
	})
}

// action runs f (which changes the conversation) and answers with the
// state, or 400 with f's error.
func (s *Studio) action(f func(ctx context.Context, r *request) error) http.Handler {
	return s.post(func(w http.ResponseWriter, ctx context.Context, r *request) {
		if err := f(context.WithoutCancel(ctx), r); err != nil {
			writeJSON(w, http.StatusBadRequest, apiError{Error: err.Error()})
			return
		}
		s.changed()
		writeJSON(w, http.StatusOK, s.snapshot())
	})
}

// changed bumps the version and tells the pages listening. Call with s.mu
// held.
func (s *Studio) changed() {
	s.version++
	v := s.version
	s.subMu.Lock()
	for ch := range s.subs {
		select {
		case ch <- v:
		default: // a slow page catches up with the next
		}
	}
	s.subMu.Unlock()
}

// sameOrigin refuses what another site's page could send to localhost: a
// POST must be JSON (a form cannot send that without a preflight this
// server never allows), and an Origin, when sent, must be this server's.
func sameOrigin(r *http.Request) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" && r.ContentLength != 0 {
		return errors.New("send JSON (Content-Type: application/json)")
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return fmt.Errorf("requests from %s are not accepted: open the page this server serves", o)
		}
	}
	return nil
}

// clock sets the time or moves it forward.
func (s *Studio) clock(ctx context.Context, r *request) error {
	switch {
	case r.Advance != "":
		d, err := time.ParseDuration(r.Advance)
		if err != nil || d <= 0 || d > maxAdvance {
			return fmt.Errorf("move the clock forward by a duration like 10m, 2h or 24h (at most %s), not %q", sandbox.FormatDuration(maxAdvance), r.Advance)
		}
		return s.setClock(ctx, s.conv.sb.Now().Add(d))
	case r.At != "":
		t, err := parseTime(r.At, s.location())
		if err != nil {
			return err
		}
		if len(s.steps) > 0 && t.Sub(s.conv.sb.Now()) > maxAdvance {
			return fmt.Errorf("that is more than %s ahead: move the clock at most that much in one go", sandbox.FormatDuration(maxAdvance))
		}
		return s.setClock(ctx, t)
	}
	return errors.New("give the time (at) or how far to move the clock (advance)")
}

// maxAdvance bounds one move of the clock (the timers fired with it are
// bounded by the sandbox too).
const maxAdvance = 60 * 24 * time.Hour

// parseTime reads a datetime-local value ("2026-03-03T10:30") in loc, or
// an RFC 3339 time.
func parseTime(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date and time like 2026-03-03T10:30", s)
}

// changeSetup switches the language, the channel or the profile, and
// replays the conversation with them.
func (s *Studio) changeSetup(ctx context.Context, r *request) error {
	next := s.setup
	if r.Lang != "" {
		langs := s.flow.Languages
		if len(langs) > 0 && !slices.Contains(langs, r.Lang) {
			return fmt.Errorf("%s speaks %s, not %q", s.flow.Name, strings.Join(langs, ", "), r.Lang)
		}
		next.Lang = r.Lang
	}
	if r.Channel != "" {
		if !slices.Contains(Channels, r.Channel) {
			return fmt.Errorf("the channels are %s, not %q", strings.Join(Channels, ", "), r.Channel)
		}
		next.Channel = r.Channel
	}
	if p := r.Profile; p != nil {
		for _, f := range []string{p.Name, p.Phone, p.Plan} {
			if utf8.RuneCountInString(f) > 100 {
				return errors.New("a profile field holds at most 100 characters")
			}
		}
		next.Profile = *p
	}
	prev := s.setup
	s.setup = next
	if err := s.replay(ctx); err != nil {
		s.setup = prev
		_ = s.replay(ctx)
		return err
	}
	if n := len(s.steps); n > 0 {
		s.notice = fmt.Sprintf("the conversation's %s replayed with the new setup", flows.Plural(n, "step"))
	} else {
		s.notice = ""
	}
	return nil
}

func (s *Studio) sourceHandler(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	src, err := s.source(r.URL.Query().Get("state"))
	s.mu.Unlock()
	if err != nil {
		writeJSON(w, http.StatusNotFound, apiError{Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, src)
}

// events streams the version after each change, as server-sent events.
func (s *Studio) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	ch := make(chan int64, 8)
	s.subMu.Lock()
	s.subs[ch] = struct{}{}
	s.subMu.Unlock()
	defer func() {
		s.subMu.Lock()
		delete(s.subs, ch)
		s.subMu.Unlock()
	}()
	// The server's WriteTimeout (baton serve's, when it mounts the
	// sandbox) bounds a request and would cut the stream; each write gets
	// its own deadline instead, so a stalled page still ends it.
	rc := http.NewResponseController(w)
	writing := func() { _ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout)) }
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	s.mu.Lock()
	v := s.version
	s.mu.Unlock()
	writing()
	fmt.Fprintf(w, "event: version\ndata: %d\n\n", v)
	fl.Flush()
	ping := time.NewTicker(25 * time.Second)
	defer ping.Stop()
	for {
		var err error
		select {
		case <-r.Context().Done():
			return
		case <-s.closed:
			return // shutting down: the page reconnects to what serves next
		case v := <-ch:
			writing()
			_, err = fmt.Fprintf(w, "event: version\ndata: %d\n\n", v)
		case <-ping.C:
			writing()
			_, err = fmt.Fprint(w, ": ping\n\n")
		}
		if err != nil {
			return
		}
		fl.Flush()
	}
}

// Close ends the pages' event streams, so that a graceful shutdown of
// the server the sandbox is mounted on does not wait for them; the pages
// reconnect to whatever serves next. The handler stays usable otherwise.
func (s *Studio) Close() { s.closeOnce.Do(func() { close(s.closed) }) }

// streamWriteTimeout bounds one write of the event stream: a page that
// takes longer is gone or stalled, and the stream ends.
const streamWriteTimeout = 30 * time.Second

var testNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$`)

// testName checks the name of a test file and adds .yaml.
func testName(name string) (string, error) {
	if name == "" {
		name = "conversation"
	}
	name = strings.TrimSuffix(strings.TrimSuffix(name, ".yaml"), ".yml")
	if !testNameRE.MatchString(name) {
		return "", fmt.Errorf("name the test with letters, digits, - _ and . (%q is not a file name here)", name)
	}
	return name + ".yaml", nil
}

// recording returns the conversation as a test file at path.
func (s *Studio) recording(path string) ([]byte, error) {
	c := s.conv
	if len(c.steps) == 0 {
		return nil, errors.New("nothing to save yet: talk to the bot first")
	}
	if s.diags.HasErrors() {
		// The conversation ran on the version loaded before, and baton
		// test would stop at the errors of the file on disk.
		return nil, &flowErrors{fmt.Sprintf("%s has %s: a test saved now would not run; fix them (see the diagnostics) and save the test again", s.o.Flow, countErrors(s.diags))}
	}
	rec := sandbox.NewRecording(path, s.o.Flow, c.sb)
	rec.By = "baton sandbox"
	for _, st := range c.steps {
		rec.Add(st.In.Kind, st.In.Value, st.Res, st.Session)
	}
	return rec.Encode()
}

// flowErrors refuses a recording while the flow on disk has errors.
type flowErrors struct{ msg string }

func (e *flowErrors) Error() string { return e.msg }

// recordingStatus is the status of a refused recording: 422 while the flow
// has errors (the page says why), else 400.
func recordingStatus(err error) int {
	var fe *flowErrors
	if errors.As(err, &fe) {
		return http.StatusUnprocessableEntity
	}
	return http.StatusBadRequest
}

func (s *Studio) download(w http.ResponseWriter, r *http.Request) {
	name, err := testName(r.URL.Query().Get("name"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{Error: err.Error()})
		return
	}
	s.mu.Lock()
	b, err := s.recording(filepath.Join(s.testsDir(), name))
	s.mu.Unlock()
	if err != nil {
		writeJSON(w, recordingStatus(err), apiError{Error: err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Write(b)
}

// savedTest is the answer to POST /api/test.
type savedTest struct {
	Path string `json:"path"`
	YAML string `json:"yaml"`
	Run  string `json:"run"`
}

func (s *Studio) saveTest(w http.ResponseWriter, _ context.Context, r *request) {
	name, err := testName(r.Name)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{Error: err.Error()})
		return
	}
	dir := s.testsDir()
	path := filepath.Join(dir, name)
	b, err := s.recording(path)
	if err != nil {
		writeJSON(w, recordingStatus(err), apiError{Error: err.Error()})
		return
	}
	if _, err := os.Stat(path); err == nil && !r.Overwrite {
		writeJSON(w, http.StatusConflict, apiError{Error: path + " exists", Exists: true})
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		writeJSON(w, http.StatusInternalServerError, apiError{Error: err.Error()})
		return
	}
	tmp, err := os.CreateTemp(dir, "."+name+".*")
	if err == nil {
		_, err = tmp.Write(b)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), path)
		}
		if err != nil {
			os.Remove(tmp.Name())
		}
	}
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, apiError{Error: "writing " + path + ": " + err.Error()})
		return
	}
	s.log.Info("saved a conversation test", "path", path)
	writeJSON(w, http.StatusOK, savedTest{Path: path, YAML: string(b), Run: "baton test " + path})
}

func (s *Studio) page(w http.ResponseWriter, _ *http.Request) {
	b, err := fs.ReadFile(assets, "assets/index.html")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", pageCSP)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

// pageCSP lets the page load only its own scripts, styles and API, plus
// its inline import map (by hash).
var pageCSP = func() string {
	b, _ := fs.ReadFile(assets, "assets/index.html")
	hashes := ""
	for _, m := range importMapRE.FindAllSubmatch(b, -1) {
		sum := sha256.Sum256(m[1])
		hashes += " 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	return "default-src 'self'; script-src 'self'" + hashes + "; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
}()

var importMapRE = regexp.MustCompile(`(?s)<script type="importmap">(.*?)</script>`)

func (s *Studio) asset(w http.ResponseWriter, r *http.Request) {
	sub, _ := fs.Sub(assets, "assets")
	w.Header().Set("Cache-Control", "no-cache")
	if strings.HasSuffix(r.URL.Path, ".mjs") || strings.HasSuffix(r.URL.Path, ".js") {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	}
	http.FileServerFS(sub).ServeHTTP(w, r)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
