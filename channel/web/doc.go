// Package web is Baton's web chat channel: a small chat page a person
// opens in a browser, a JSON endpoint that takes the customer's messages,
// and server-sent events that stream the conversation back. Its Handler is
// both the http.Handler to mount and the flows.Channel the host sends
// replies through.
//
// # Endpoints
//
// Mounted at / (or under a prefix; the paths are matched by their end):
//
//	GET  /                 the chat page (embedded: no CDN, no framework)
//	GET  /assets/…         its script and style sheet
//	POST /api/messages     {"conversation","id","text" | "payload","label","name"}
//	                       as Content-Type: application/json (415 otherwise)
//	                       → 202 {"conversation","id"}
//	GET  /api/events?conversation=ID
//	                       text/event-stream of the conversation
//
// The API answers its own page only: a browser's request for another
// site's page (Sec-Fetch-Site cross-site or same-site) gets 403, so such
// a page can neither post nor hold the streams open through its
// visitors' browsers; clients that are not browsers send no such header.
// A browser older than that header says Origin on another origin's
// EventSource: a stream whose Origin names another host than the
// request's (or its X-Forwarded-Host) gets 403 too.
//
// The first message may leave "conversation" empty: the answer carries a
// new random id (130 bits), which the page keeps in localStorage (under
// baton.conversation.{name}, so that two widgets on one site have
// conversations, and contacts, of their own; an id kept before under
// baton.conversation is still read) and which
// is the conversation's only credential. The page itself sends one it drew
// (128 random bits), so that the retry of a first message whose answer
// was lost stays in its conversation, and stores it before posting (read
// and stored in one IndexedDB transaction, then copied to localStorage;
// in localStorage alone where IndexedDB is blocked), so that the browser's
// other tabs, even one sending at the same instant, join it; until a post
// into it is accepted it is marked unsent, so that a reload after a first
// message that could not be sent shows the new chat's hint, and the next
// message goes to the same conversation. "id" is the
// page's id for the message, so that a retried post is deduplicated by
// the Receiver's Inbox (the Inbound ID is web:{name}:{conversation}:{id}).
// A tapped button posts the option's id as "payload", and its title as
// "label" only for display: an option is chosen by its id, never by its
// title.
//
// The event stream sends every message of the conversation still kept
// (the customer's, echoed, and the replies) as "message" events whose data
// is {"id","from","text","options","style","agent","at"}, then each new
// one. The customer's message is echoed before the Receiver gets it, so it
// always shows before the replies; if the Receiver refuses it, a "retract"
// event {"id"} takes it back and the post answers 503 (the page posts it
// again with the same id).
// Event ids are "{epoch}-{n}"; a browser reconnecting with Last-Event-ID
// gets only what it missed, or everything kept when the id belongs to an
// earlier life of the conversation (before a restart or an eviction).
//
// # Bounds
//
// Everything is bounded (WithLimits, WithTimeouts, WithRate,
// WithCapacity): a posted body (16 KiB, 413 beyond) and its text (4,096
// characters), the posts of a conversation (20 at once, then one a
// second, 429 beyond), the events kept per conversation (100, and 64 KiB
// of them, the newest always: WithBufferBytes), the
// streams open per conversation (4, 429 beyond) and across conversations
// (2,000, and always fewer than the conversations kept; 503 with
// Retry-After beyond), the conversations kept in memory (10,000, least
// recently used first evicted, never one being watched), a stream's idle time (5
// minutes, then the browser reconnects) with a heartbeat comment every 25
// seconds, and the Receiver's time per message (10s, 503 beyond). Close
// ends the open streams for a graceful shutdown.
//
// The page sets a strict Content-Security-Policy (its own origin only)
// and renders text with textContent, never as HTML; every answer (the
// page, its assets, the API's) says X-Content-Type-Options: nosniff.
package web
