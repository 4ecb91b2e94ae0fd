// Package whatsapp is Baton's WhatsApp Cloud API channel: a webhook
// Handler that checks and decodes Meta's notifications into flows.Inbound
// messages and flows.DeliveryStatus updates for a flows.Receiver, and a
// Sender (flows.Channel, flows.MediaFetcher, flows.Typer) that sends
// replies from one business phone number.
//
// # Receiving
//
// Meta calls the webhook with GET for the verification handshake and POST
// for notifications. A POST is checked before anything is read from it:
// its X-Hub-Signature-256 must be the HMAC-SHA256 of the raw body under the
// app secret (compared in constant time), and the body must fit the limit.
// Every entry[], changes[], messages[] and statuses[] is then handed to the
// Receiver in the payload's order, and the handler answers 200. The host's
// Receiver makes each message durable (its Inbox, deduplicated on the
// wamid) before returning: that is where the delivery guarantee starts. A
// crash after it loses nothing; a crash before it means no 200, so Meta
// delivers again. Processing happens later, in order per conversation, off
// the request.
//
// Customers are keyed by from_user_id (the business-scoped user id) when
// present, else by from (the phone number); the conversation id is
// whatsapp:{phone_number_id}:{key}. A tapped reply button or list row
// arrives as Input.Payload, the option's stable id, never its title. Media
// (image, audio and voice notes, video, document, sticker, location,
// contacts) arrives as Input.Media, with the caption as Input.Text.
// Input.At, the turn's clock, is when the handler received the message;
// Inbound.At is Meta's timestamp, which the stale check reads.
//
// Meta redelivers any notification not answered 2xx, with decreasing
// frequency, for up to 7 days. A request that can never succeed is
// therefore refused only when the sender must see it (a bad signature, a
// body too large or not Meta's shape); an item Baton will never process is
// skipped with 200, so that it is not redelivered for days:
//
//	case                                   status  processed  reason (WithRejectHook)
//	verify handshake, right token          200     echo       -
//	verify handshake, wrong token or mode  403     no         verify_token
//	method other than GET or POST          405     no         method
//	body over the limit (default 3 MiB)    413     no         too_large
//	X-Hub-Signature-256 missing or wrong   401     no         signature
//	not JSON, or object is not            400     no         malformed
//	  whatsapp_business_account
//	phone_number_id not served, or signed  200     skipped    unknown_number
//	  by another number's app
//	wamid twice in one delivery            200     once       duplicate
//	wamid delivered again later            200     once       (the Receiver's Inbox drops it)
//	message older than WithMaxAge          200     skipped    stale
//	  (default 7 days, the dedupe window)
//	reaction, order, system, unsupported,  200     skipped    unsupported
//	  empty text, media without id
//	group message                          200     skipped    group
//	no from and no from_user_id            200     skipped    no_sender
//	status other than sent, delivered,     200     skipped    unknown_status
//	  read, failed
//	fields other than messages             200     skipped    -
//	  (template, quality, account updates)
//	Receiver fails or times out            500     partly     receiver_failed
//
// After a 500, Meta delivers the whole notification again; the messages
// the Receiver had already accepted are dropped as duplicates by its
// Inbox, so none is processed twice. A stale message is skipped because
// past the dedupe window a redelivery could no longer be told from a new
// message.
//
// # Sending
//
// Send posts to {graph_url}/{version}/{phone_number_id}/messages with the
// Bearer token: "to" for a customer with a phone number, "recipient" for a
// customer known only by a username (a business-scoped user id). Text is
// cut at 4,096 characters on paragraph, line, sentence or word
// boundaries. A menu goes out as reply buttons (at most 3, titles of at
// most 20 characters), else as a list (at most 10 rows, titles of at most
// 24, descriptions clipped to 72, a button labelled in the conversation's
// language), else as a numbered list in the text; the option ids are the
// payloads that come back (an id over a button's 256 bytes or a row's 200,
// or with spaces around it, goes as its flows.OptionToken, which the
// engine reads back as the id).
//
// WhatsApp allows free-form messages within 24 hours of the customer's
// last message (Outbound.LastUserAt). Outside that window, or when Graph
// answers 131047, Send sends the approved template named with WithTemplate
// (optionally carrying the reply's text as its parameter), or fails with
// flows.ErrOutsideWindow for the host to put a note on the ticket.
// Throttling (130429, 131056, 80007, 4, HTTP 429) is retried within Send with
// exponential backoff or the Retry-After header (seconds or an HTTP date,
// at most 24 hours), up to WithThrottleRetry's bounds, then returned as a
// temporary *flows.ChannelError with its wait.
// Server errors and network failures are temporary too (the message may
// have gone out: Graph has no idempotency key); every other error is
// permanent and carries the Graph error code. A reply of several messages
// resumes after the parts already delivered when retried with the same
// Outbound.ID (remembered in memory, for the last few thousand replies).
//
// Typing marks the customer's message read and shows a typing indicator;
// FetchMedia downloads a customer's file, size-capped.
//
// Package whatsapptest fakes the Cloud API for tests.
package whatsapp
