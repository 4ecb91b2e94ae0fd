package engine

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/batonbot/baton/flows"
)

const defaultHTTPTimeout = 10 * time.Second

// pendingExpiry is how long a conversation waits for an HTTP result before
// a user message gives up on it (a host that crashed mid-call).
const pendingExpiry = 2 * time.Minute

// http asks the host for a call and suspends the turn until the result
// comes back as an InputHTTP.
func (t *turn) http(a *flows.HTTP) actResult {
	if a == nil {
		return actNext
	}
	id := t.id()
	req := flows.HTTPRequest{ID: id, Method: a.Method, URL: t.renderHTTP(a.URL), Timeout: a.Timeout}
	if req.Method == "" {
		req.Method = http.MethodGet
	}
	if req.Timeout <= 0 {
		req.Timeout = t.e.httpTimeout
	}
	if req.Timeout <= 0 {
		req.Timeout = defaultHTTPTimeout
	}
	if len(a.Headers) > 0 {
		req.Headers = make(map[string]string, len(a.Headers))
		for k, v := range a.Headers {
			req.Headers[k] = t.renderHTTP(v)
		}
	}
	if a.Body != nil {
		req.Body = t.renderHTTP(a.Body)
	}
	req.Canned = t.canned(a, id, req.Timeout)
	t.emit(req)
	t.s.Pending = &flows.Pending{ID: id, At: t.now}
	return actSuspend
}

// canned picks the flow's sandbox response: the first whose When holds or
// that has none.
func (t *turn) canned(a *flows.HTTP, id string, timeout time.Duration) *flows.HTTPResult {
	for _, c := range a.Sandbox {
		if c == nil {
			continue
		}
		if c.When != nil && !t.evalBool(c.When) {
			continue
		}
		res := &flows.HTTPResult{ID: id, Status: c.Status}
		if c.Delay > timeout {
			res.Status = 0
			res.Err = "timeout after " + flows.FormatDuration(timeout) + " (the sandbox response is delayed " + flows.FormatDuration(c.Delay) + ")"
			return res
		}
		if c.Body != nil {
			b, err := json.Marshal(c.Body)
			if err != nil {
				t.emit(flows.ErrorEffect{Message: "the sandbox body cannot be encoded as JSON: " + err.Error(), State: t.s.State, Pos: c.Pos})
			} else {
				res.Body = b
			}
		}
		return res
	}
	return nil
}

// httpResult resumes the suspended actions with an HTTP result.
func (t *turn) httpResult() {
	p, r := t.s.Pending, t.in.HTTP
	if r == nil {
		t.errorf("an http input needs a result (Input.HTTP); ignored")
		return
	}
	if p == nil || r.ID != p.ID {
		t.errorf("stale HTTP result %q: the conversation is not waiting for it; ignored", r.ID)
		return
	}
	t.s.Pending = nil
	t.trigger = p.Trigger
	// The actions after the call see the message before it, and its
	// entities as they were when it came in.
	t.text, t.direct, t.resumedAt = p.Text, p.Direct, p.At
	if !p.MessageAt.IsZero() { // a call after an earlier call's result
		t.resumedAt = p.MessageAt
	}
	t.userMsg, t.unanalysed = p.User, p.User && !p.Analysed
	t.analysedBefore = p.User && p.Analysed
	t.noSignals, t.ownSignals = t.analysedBefore && p.NoSignals, t.analysedBefore && !p.NoSignals
	t.noMatchSeen = max(t.noMatchSeen, p.NoMatch)
	t.usedBefore, t.entAllUsed = p.Used, p.Whole
	t.answer, t.resumedMedia = p.Answer, p.Media
	st := t.f.States[p.State]
	if st != nil && st.Collect != nil {
		for _, i := range p.Rejected {
			if i >= 0 && i < len(st.Collect.Slots) {
				if t.rejected == nil {
					t.rejected = map[*flows.Slot]bool{}
				}
				t.rejected[st.Collect.Slots[i]] = true
			}
		}
	}
	l, ok := parseLoc(p.Path)
	var actions []flows.Action
	if ok {
		actions, _, ok = t.resolve(st, l)
	}
	if !ok || p.Step < 1 || p.Step > len(actions) {
		t.errorf("cannot resume after the HTTP call in state %q (the flow changed during the conversation?); starting over", p.State)
		t.unwind(0) // the flow changed: back to the root flow
		t.goTo(t.reloadTarget())
		return
	}
	if a, ok := actions[p.Step-1].(*flows.HTTP); ok && a.SaveAs != "" {
		t.setVar(a.SaveAs, httpValue(r))
	}
	if p.Timeout > 0 { // resuming a timeout's actions: the next timeout follows
		t.timerFired, t.firedIndex = true, p.Timeout-1
	} else {
		t.rearm = true
	}
	t.goTo(t.runPath(st, l, p.Step))
}

// httpValue is what http.save_as holds: status, ok, body (parsed JSON, else
// the text) and error.
func httpValue(r *flows.HTTPResult) map[string]any {
	var body any
	if len(r.Body) > 0 {
		if err := json.Unmarshal(r.Body, &body); err != nil {
			body = string(r.Body)
		}
	}
	return map[string]any{
		"status": r.Status,
		"ok":     r.Err == "" && r.Status >= 200 && r.Status < 300,
		"body":   body,
		"error":  r.Err,
	}
}
