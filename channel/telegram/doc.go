// Package telegram is Baton's Telegram Bot API channel: a webhook Handler
// that checks and decodes updates into flows.Inbound messages for a
// flows.Receiver, and a Sender (flows.Channel, flows.MediaFetcher,
// flows.Typer) that sends replies from one bot.
//
// # Receiving
//
// Telegram posts one Update per request to the URL given to setWebhook,
// with the secret_token given there in X-Telegram-Bot-Api-Secret-Token,
// compared in constant time. One Handler serves several bots, told apart
// by the {name} path value of /webhooks/telegram/{name}. The dedupe key
// of an update is "tg:{bot}:{update_id}"; the conversation is
// telegram:{bot}:{chat id}, the chat id read as an int64. A tap on an
// inline keyboard button (a callback_query) arrives as Input.Payload, the
// option's id, and is answered in the webhook's response
// (answerCallbackQuery as a webhook reply), so the client stops its
// spinner without another request; a tap that is skipped (in a group, a
// game button without data) is answered all the same. Photos, documents, audio and voice,
// video, stickers, locations and venues, and shared contacts arrive as
// Input.Media. Input.At, the turn's clock, is when the handler received
// the update; Inbound.At is the message's date.
//
// The Receiver makes the message durable before the handler answers 200;
// Telegram repeats a request not answered 2xx, a reasonable number of
// times, and keeps an undelivered update for at most 24 hours (well within
// the Inbox's dedupe window):
//
//	case                                      status  processed  reason (WithRejectHook)
//	method other than POST                    405     no         method
//	bot name not served                       404     no         unknown_bot
//	secret token missing or wrong             401     no         secret_token
//	body over the limit (default 1 MiB)       413     no         too_large
//	not JSON, or no update_id                 400     no         malformed
//	update_id delivered again                 200     once       (the Receiver's Inbox drops it)
//	edited message, channel post, inline      200     skipped    unsupported
//	  query, poll, membership change...
//	message of a kind Baton does not read     200     skipped    unsupported
//	group, supergroup or channel chat         200     skipped    group
//	message from a bot                        200     skipped    from_bot
//	Receiver fails or times out               500     no         receiver_failed
//
// # Sending
//
// Send calls {base}/bot{token}/sendMessage with chat_id as a number. Text
// is cut at 4,096 characters (counted in UTF-16, as Telegram counts) on
// paragraph, line, sentence or word boundaries. A menu is an inline
// keyboard, one button a row, whose callback_data are the option ids (an
// id over 64 bytes goes as its flows.OptionToken, which the engine reads
// back as the id); a menu that asks for text becomes a numbered list. A 429 comes back as a temporary *flows.ChannelError whose
// RetryAfter is parameters.retry_after (at most 24 hours); 5xx and
// network failures are temporary too (the message may have gone out);
// other errors (403: the user blocked the bot) are permanent and carry
// error_code. A reply longer
// than 4,096 characters goes in parts, and resumes after the parts already
// delivered when retried with the same Outbound.ID (remembered in memory,
// for the last few thousand replies). The token is never part of an error
// message.
//
// Typing sends the "typing" chat action; FetchMedia downloads a file
// through getFile, size-capped.
//
// Package telegramtest fakes the Bot API for tests.
package telegram
