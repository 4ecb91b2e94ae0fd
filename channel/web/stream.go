package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// streamWriteTimeout bounds one write of an event stream (its events or a
// heartbeat): a browser that takes longer is gone or stalled, and the
// stream ends.
const streamWriteTimeout = 30 * time.Second

// crossOrigin refuses, with 403, a stream a browser older than
// Sec-Fetch-Site (Safari before 16.4, Firefox before 90) opens for
// another origin's page: its EventSource says Origin, which the page's
// own, same-origin, never does (a GET's Origin is sent only across
// origins). The Origin's host is compared with the request's, or with
// X-Forwarded-Host, which a page cannot set, behind a proxy that
// rewrites Host; an opaque Origin ("null": a sandboxed frame, a data:
// page) is another origin. Where Sec-Fetch-Site is sent, crossSite has
// decided.
func (h *Handler) crossOrigin(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || r.Header.Get("Sec-Fetch-Site") != "" {
		return false
	}
	if u, err := url.Parse(origin); err == nil && u.Host != "" {
		host := strings.ToLower(u.Host)
		fwd, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Host"), ",")
		if host == strings.ToLower(r.Host) || host == strings.ToLower(strings.TrimSpace(fwd)) {
			return false
		}
	}
	h.refuse(w, http.StatusForbidden, RejectCrossSite, "the chat's API answers its own page only")
	return true
}

// stream serves GET /api/events?conversation=ID as server-sent events:
// the conversation's kept events after Last-Event-ID (all of them on a
// first connection, so a reloaded page shows the conversation), then each
// new one as it comes. It ends after the idle timeout without events, when
// the browser leaves or when the handler closes; the browser's EventSource
// reconnects with Last-Event-ID and misses nothing still kept.
func (h *Handler) stream(w http.ResponseWriter, r *http.Request) {
	if h.crossSite(w, r) || h.crossOrigin(w, r) {
		return
	}
	key := r.URL.Query().Get("conversation")
	if !idRE.MatchString(key) {
		h.refuse(w, http.StatusBadRequest, RejectBadID, "conversation must be the id POST /api/messages answered")
		return
	}
	select {
	case <-h.closed:
		h.refuse(w, http.StatusServiceUnavailable, RejectClosed, "shutting down")
		return
	default:
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	switch reason := h.convs.open(key, h.o.maxStreams, h.o.now()); reason {
	case "":
	case RejectTooMany:
		h.refuse(w, http.StatusTooManyRequests, RejectTooMany, "too many open streams for this conversation")
		return
	default:
		h.busy(w, reason)
		return
	}
	defer h.convs.done(key)
	last := r.Header.Get("Last-Event-ID")
	if last == "" {
		last = r.URL.Query().Get("last_event_id")
	}
	// The server's WriteTimeout bounds a request, and would cut the stream
	// long before its idle timeout (baton serve: 60s); each write gets
	// its own deadline instead, so a stalled browser still ends it.
	rc := http.NewResponseController(w)
	writing := func() { _ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout)) }
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	writing()
	w.WriteHeader(http.StatusOK)
	w.Write([]byte("retry: 3000\n\n"))
	flusher.Flush()

	idle := time.NewTimer(h.o.idle)
	defer idle.Stop()
	beat := time.NewTicker(h.o.beat)
	defer beat.Stop()
	for {
		epoch, events, changed := h.convs.since(key, last, h.o.now())
		if len(events) > 0 {
			writing()
		}
		for _, e := range events {
			last = eventID(epoch, e.id)
			w.Write([]byte("id: " + last + "\nevent: " + e.kind + "\ndata: "))
			w.Write(e.data)
			w.Write([]byte("\n\n"))
		}
		if len(events) > 0 {
			flusher.Flush()
			idle.Reset(h.o.idle)
		}
		select {
		case <-changed:
		case <-beat.C:
			writing()
			if _, err := w.Write([]byte(": ping\n\n")); err != nil {
				return
			}
			flusher.Flush()
		case <-idle.C:
			return
		case <-r.Context().Done():
			return
		case <-h.closed:
			return
		}
	}
}
