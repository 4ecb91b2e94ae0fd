// Package handoff delivers Baton's handoffs to helpdesks and brings the
// agents' answers back: the connectors (Zendesk, Freshdesk, a signed
// generic webhook), the ticket's content (transcript, summary), the
// bridge's inbound HTTP handlers, the sandbox Recorder, and the delivery
// worker and routing that drive them.
//
// # Connectors
//
// Every connector implements flows.Connector, is safe for concurrent use,
// sends through the *http.Client given with WithHTTPClient and reports
// failures as *Error, which tells the delivery worker whether to retry and
// when (Retryable). Opening the same handoff twice yields one ticket.
// Connectors (and NewConnector, one by name) builds them from a deployment
// Config; Recorders builds the same ones in dry-run mode.
//
// The requests below were checked against the vendors' documentation
// (developer.zendesk.com: Users "Create Or Update User", Tickets "Create
// Ticket" and "Update Ticket", Ticket Comments, "Idempotency" in the
// Support API introduction, "Verifying webhook authenticity";
// developers.freshdesk.com/api: "Create a Ticket", "Filter Tickets",
// "Create a Note", "Update a Ticket"; the Standard Webhooks specification,
// github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md).
//
// Zendesk (NewZendesk) authenticates with basic auth
// "{email}/token:{api_token}" (ZendeskAPIToken) or a Bearer OAuth token
// (ZendeskOAuth) and sends, for Open:
//
//	POST /api/v2/users/create_or_update
//	{"user": {"name", "external_id": contact id, "phone": E.164, "email"}}
//	POST /api/v2/tickets                      Idempotency-Key: <handoff id>
//	{"ticket": {"subject", "comment": {"html_body": transcript, "public": false},
//	  "requester_id", "priority": low|normal|high|urgent, "tags", "group_id",
//	  "assignee_id" | "assignee_email", "external_id": conversation id,
//	  "custom_fields": [{"id", "value"}]}}
//
// The assignee is the agent routing chose (flows.Handoff.Assignee): by
// numeric id when WithAssignees maps one (the config's zendesk_id), else by
// e-mail when the agent's id is an address (Zendesk's write-only
// assignee_email), else left to the group.
//
// The requester is found or created by external id because WhatsApp
// customers often have nothing but a phone number. The transcript is a
// private comment: it is for agents, and a public first comment would be
// e-mailed to the customer. Zendesk keeps an idempotency key for about two
// hours, so a retried open returns the ticket the first one created; an
// open retried later than that first looks the ticket up
// (GET /api/v2/tickets?external_id=<conversation id>, matching the tag
// "baton-<handoff id>" every ticket carries).
//
// The customer's later messages are the requester's own: with
// WithRequesterUpdates (an OAuth token with the impersonate scope) they go
// through the Requests API on the requester's behalf
// (PUT /api/v2/requests/{id}, X-On-Behalf-Of), so Zendesk reopens a
// pending or solved ticket, fires "requester updated" triggers and counts
// them for SLAs as it would an e-mail from the customer; with an API
// token they are public comments whose author_id is the requester
// (PUT /api/v2/tickets/{id}), and Baton reopens a pending, on-hold or
// solved ticket itself (status open), since Zendesk takes the API user
// for the updater. Close reads the ticket and leaves it alone when an
// agent already solved or closed it, else sets status solved (assigning
// the API user when nobody was: Zendesk solves only assigned tickets).
// A ticket an agent deleted answers 404, as every request does when the
// subdomain is wrong: Close then reads GET /api/v2/users/me, and when
// that answers the ticket is gone and the close is done; when it answers
// 404 too, the close is dead with a hint to check the subdomain.
//
// Freshdesk (NewFreshdesk) authenticates with the API key as the basic-auth
// user and "X" as the password. Open sends POST /api/v2/tickets with one
// requester identifier (email; else phone, with name, as Freshdesk
// requires; else unique_external_id, or that first with
// WithUniqueExternalID), subject, description (the HTML transcript),
// status 2 (open), priority 1-4, source 7 (Chat: Freshdesk has no
// WhatsApp source, so the channel is a tag), tags, group_id, responder_id
// (the assigned agent's number, only when WithAssignees maps it: the
// config's freshdesk_id) and custom_fields keyed by "cf_" names. The
// customer's later messages are notes from the requester
// (POST /api/v2/tickets/{id}/notes {"body", "user_id": requester,
// "incoming": true, "private": false}), which Freshdesk records as the
// customer's reply; Close reads the ticket and sets status 4 (resolved)
// unless an agent already resolved or closed it, or deleted it (a 404
// while GET /api/v2/agents/me answers; a 404 there too is a wrong
// domain).
//
// Freshdesk has no idempotency key, so Baton makes creation idempotent
// itself: every ticket is tagged "baton-<handoff id>", and Open first
// looks in memory for the ticket this process opened, then lists the
// requester's tickets (GET /api/v2/tickets?email= or
// ?unique_external_id=, read from Freshdesk's database) or, for a
// requester known only by phone, searches the tag
// (GET /api/v2/search/tickets?query="tag:'baton-<handoff id>'"), and only
// creates a ticket when none is found. The search index lags behind
// creation, so after a create whose outcome is unknown Open keeps
// searching over a window (WithSearchWindow, default 2 minutes) before it
// creates again, and a 404 from the search is retried, never taken for
// "no ticket". The window holds across processes: each attempt's error,
// which the outbox keeps, names the window's end for the next attempt,
// and an attempt after one another process made waits the window from
// then unless that error says there was nothing in doubt.
//
// # Exactly once, and gently
//
// Every HTTP call has its own deadline (WithCallTimeout, default 30s), so
// a slow first call does not leave a second one without time after its
// write took effect. The Deliverer writes each attempt ahead in the
// outbox before calling the helpdesk, so an attempt cut short by a crash
// is known to the next worker. Customer messages are delivered exactly
// once through flows.BatchAppender: each carries a marker derived from
// its outbox item id in a footer the helpdesk keeps ("Baton ref:
// baton-3f9a1c0d7e2b"), and after an attempt that may have reached the
// ticket the worker lists the ticket's comments (or conversations) and
// settles the messages it finds instead of sending them again. What is
// left: a comment the listing does not reach (more than a few hundred
// added since) or whose footer was redacted, and the generic webhook,
// whose receivers drop repeats by webhook-id. The messages a customer
// types in quick succession go in one update (DeliverAppendWindow,
// default 2s), and a conversation gets at most DeliverAppendsPerMinute
// updates a minute (default 10); messages beyond wait and go together,
// never dropped.
//
// A ticket an agent deleted, or closed (Zendesk takes no comment on a
// closed ticket, and a merge closes the ticket merged away), takes no
// more messages: an append to it fails for good with an error that is
// ErrTicketGone, and the host returns the conversation to the bot: the
// transcript's system line ("The ticket was deleted in the helpdesk and
// took no more messages", "was merged into ticket N", or "was closed":
// GoneReason, the ticket_closed event's reason) goes before that
// message, so a next handoff's routing and summary carry the words no
// agent read. A Zendesk merge is told by the merge's comment on the
// ticket merged away (via channel "merge"), and its target by the "#N"
// that comment names. Zendesk follows such a merge when it can
// (AppendBatch, FollowMerge): the customer's messages go on the target as
// theirs (the merge made them its requester's CC), and the target's
// external_id lists the conversation after the ones it served, separated
// by spaces, with the tag baton added, so its agents' replies and its
// solve come back to each conversation it serves. A target whose
// external_id is another system's (it has no tag baton) is left alone,
// and the conversation returns to the bot as above. A
// deleted ticket answers 404, as every request does when the account
// address is wrong; the API user's own record (Zendesk's users/me,
// Freshdesk's agents/me) tells the two apart. The generic webhook's
// receiver answers 404 Not Found or 410 Gone to handoff.append or
// handoff.close for a ticket it deleted: the append is ErrTicketGone
// (deleted), the close is done.
//
// Errors never show a URL's secrets: the user and password and the query
// values of any URL in an error are redacted (Redact), so a webhook token
// in "?token=" stays out of logs, the store's last_error, `baton handoff
// list` and the sandbox's recordings.
//
// The generic webhook (NewWebhook) POSTs a WebhookEvent {"type",
// "timestamp", "data"} per Standard Webhooks: "handoff.open" with the
// whole flows.Handoff (masked when asked, summary filled), and
// "handoff.append" / "handoff.close" with a WebhookUpdate. Headers:
// webhook-id (stable across retries: "<handoff id>.handoff.open",
// "<ticket id>.handoff.close.<hash of the outbox item id>",
// "<ticket id>.handoff.append.<hash of the outbox item id>",
// so receivers can drop duplicates), webhook-timestamp (unix seconds of
// the attempt) and webhook-signature "v1,<base64 HMAC-SHA256 of
// {id}.{timestamp}.{body}>" keyed with the base64-decoded part of the
// "whsec_…" secret. A receiver may answer open with {"id", "url"} to name
// its ticket. SignWebhook and VerifyWebhook implement both sides.
//
// # Ticket content
//
// A ticket starts with a short extractive summary (Summarize: why the bot
// escalated, the customer's most informative messages quoted, the menu
// choices, key variables), then the reason, customer, channel, priority,
// team, the last NLU signals and a link back to the conversation
// (WithConversationURL), the variables the bot collected and the whole
// transcript with timestamps (a menu choice shows the option chosen).
// TranscriptHTML renders it; every value is escaped by html/template.
// WithMasking(true) masks e-mail addresses, phone numbers and order codes
// (flows.MaskPII) in the transcript, variables, signals and summary; the
// requester's own contact details are still sent so the helpdesk knows
// who the customer is.
//
// # Inbound: the bridge's handlers
//
// Agents' replies and ticket status changes come back through one HTTP
// endpoint per helpdesk, each an http.Handler that verifies the request,
// turns it into a flows.Input and hands it to the host's Deliver callback:
// an agent's reply becomes flows.InputAgent (Text, Agent), a ticket solved
// or closed becomes flows.InputTicket (Ticket.Status solved or closed; a
// generic callback's "deleted", a ticket gone, is closed). Other statuses
// are acknowledged and ignored. Statuses: 405 for a method
// other than POST, 413 for a body over the limit (WithMaxBody, default
// 1 MiB), 401 for a missing or wrong signature or secret or a signed
// timestamp more than 5 minutes from now (HandlerTolerance: a captured
// request cannot be replayed later), 400 for a body that is not the
// documented JSON, 202 when the request is valid but not for Baton (no
// conversation id), 200 for a delivery already received, 204 once
// delivered, and 503 with "Retry-After: 10" when Deliver (or the dedupe
// store, or the ticket lookup) fails: what each helpdesk retries. Zendesk
// retries a 409, a 429 or 503 whose Retry-After is under 60 seconds, and a
// timeout, never a 500; Freshdesk's automations retry a failed webhook
// after 5, 30 and 60 more minutes; a Standard Webhooks sender retries any
// 5xx.
//
// Every handler drops redeliveries: Zendesk's by X-Zendesk-Webhook-
// Invocation-Id, the generic callback's by webhook-id (kept 48 hours,
// past the last of a Standard Webhooks sender's retries, about 27 hours),
// Freshdesk's, which carry no id, by ticket and content (kept 2 hours,
// past Freshdesk's last retry: the same reply on the same ticket within
// them is taken for a redelivery). HandlerDeduper keeps them in the store (flows.Deduper), so
// every process sees them. With a durable Deliver, HandlerAcceptDedupe is
// exactly once instead: DeliveryOf gives Deliver the delivery's key and
// how long to keep it, the host's inbox drops a repeat in the write that
// would accept it (Deliver returns ErrDuplicate), and a delivery whose
// accept failed is taken when the helpdesk retries it, at any process.
// A signed Zendesk request again within twice the timestamp window is a
// replay whatever its (unsigned) invocation id says; its signature is
// kept in the handler's deduper (HandlerDeduper: every process on the
// store refuses it), and the first retry after each failed attempt is
// still taken, once. Each attempt at a signed request claims it in the
// deduper for the status hold and 10 seconds more, and marks it done
// when it answers: the same request meanwhile is answered 503 (under
// way, maybe at another process), and one after a claim that lapsed
// undone (the process died during the attempt) is taken.
// `baton serve` does both.
//
// An agent's reply carries its ticket (flows.Input.Ticket): when it
// comes after the conversation left the agent (the ticket was solved, the
// customer closed it), the customer does not get it, and the engine puts
// a note on that ticket saying so (flows.Undelivered).
//
// An agent who replies and solves in one update ("Submit as Solved")
// fires both Zendesk triggers (both Freshdesk rules), and their requests
// arrive in either order. So that the customer gets the reply before the
// bot's survey, a request that solves or closes a ticket waits until an
// agent's reply to the conversation is delivered, for at most
// DefaultStatusHold (5 seconds, HandlerStatusHold), and does not wait when
// one was delivered within that time before it. A reply arriving later
// than that is noted on the ticket as above. The generic callback never
// waits: its sender posts agent.message, and once it is answered,
// ticket.status.
//
// Zendesk (NewZendeskHandler): create a webhook (Admin Center › Apps and
// integrations › Webhooks, "Trigger or automation", POST, JSON) with a
// signing secret, and two triggers that notify it, both with the
// conditions "Tags contains baton" and "Current user is not" Baton's API
// user:
//
//	"Comment is Public" and "Current user is (agent)", body:
//	{
//	  "event": "comment",
//	  "ticket_id": "{{ticket.id}}",
//	  "conversation_id": "{{ticket.external_id}}",
//	  "comment": "{{ticket.latest_public_comment}}",
//	  "author": "{{current_user.name}}",
//	  "author_role": "{{current_user.role}}"
//	}
//
//	"Status changed to Solved" (or Closed), body:
//	{
//	  "event": "status",
//	  "ticket_id": "{{ticket.id}}",
//	  "conversation_id": "{{ticket.external_id}}",
//	  "status": "{{ticket.status}}",
//	  "author": "{{current_user.name}}"
//	}
//
// The handler checks X-Zendesk-Webhook-Signature, the base64 HMAC-SHA256
// of X-Zendesk-Webhook-Signature-Timestamp followed by the raw body,
// keyed with the webhook's signing secret (SignZendesk). A comment whose
// author_role is not "end-user" becomes an InputAgent; status Solved or
// Closed an InputTicket. ticket_id may be a string or a number; a body
// without "event" is read for both. Keep the two events in two triggers:
// {{ticket.latest_public_comment}} is the last public comment even when
// the update only changed the status.
//
// Freshdesk (NewFreshdeskHandler): an automation rule (Admin › Automations
// › Ticket updates) on "Agent replies" or "Status is changed", with the
// action "Trigger webhook": POST, custom header "X-Baton-Secret: <secret>"
// (compared in constant time), JSON content:
//
//	{
//	  "ticket_id": "{{ticket.id}}",
//	  "conversation_id": "{{ticket.cf_baton_conversation}}",
//	  "status": "{{ticket.status}}",
//	  "reply": "{{ticket.latest_public_comment}}",
//	  "agent": "{{ticket.agent.name}}",
//	  "event": "reply"
//	}
//
// with "event": "reply" for the reply rule and "status" for the status
// rule. The conversation id travels in the custom field named with
// WithConversationField (create a single-line text field
// "baton_conversation"); without it the handler asks WithTicketLookup.
//
// The generic callback (NewWebhookHandler) takes a Standard Webhooks
// signed POST (timestamp tolerance 5 minutes) with an InboundEvent body:
//
//	{"type": "agent.message", "conversation_id": "…", "text": "…", "agent": "Anna"}
//	{"type": "ticket.status", "conversation_id": "…", "ticket": {"connector": "x", "id": "T-9"}, "status": "solved"}
//
// # Sandbox
//
// A Recorder runs a real connector in dry-run mode (DryRun): the requests
// are built by the same code, recorded with secrets redacted, and answered
// with canned responses, so `baton chat` and `baton test` can show and
// assert exactly what would leave the machine.
package handoff
