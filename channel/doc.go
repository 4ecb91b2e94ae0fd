// Package channel gathers Baton's messaging channels, one package each,
// each importing only flows:
//
//   - channel/whatsapp: the WhatsApp Cloud API. A webhook handler (Meta's
//     verification handshake, X-Hub-Signature-256, every entry, change,
//     message and status) and a sender (text, reply buttons, lists, the
//     24-hour window and its template, throttling, media download, typing).
//   - channel/telegram: the Telegram Bot API. A webhook handler
//     (X-Telegram-Bot-Api-Secret-Token, update_id dedupe keys, callback
//     queries answered) and a sender (sendMessage with inline keyboards,
//     429 retry_after, media download, typing).
//   - channel/web: a web chat. A JSON endpoint to post a customer message,
//     server-sent events streaming the conversation with Last-Event-ID
//     resume, and an embedded chat page at /; the handler is also the
//     channel's sender.
//
// Every handler decodes what the provider sent into flows.Inbound messages
// and hands them to a flows.Receiver, which the host implements by writing
// them durably to its Inbox before the handler answers; every sender
// implements flows.Channel and reports failures as *flows.ChannelError
// (temporary or not, with the provider's code and wait). The handlers and
// senders take a base URL, so tests and local fakes stand in for the
// providers: channel/whatsapp/whatsapptest and channel/telegram/telegramtest
// are those fakes, importable by any test.
//
// A flow sees what a customer sent besides text as `media` (see
// docs/dsl.md).
package channel
