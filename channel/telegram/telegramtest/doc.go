// Package telegramtest is a fake of the Telegram Bot API for tests: an
// httptest server that answers sendMessage, answerCallbackQuery,
// sendChatAction, getFile and file downloads the way the Bot API does
// (the token in the path, {"ok":false,"error_code","description"} errors,
// the 4,096-character text limit, 64-byte callback data, 429 with
// parameters.retry_after), records what it accepted, fails on demand, and
// builds and posts webhook updates with the secret token header,
// carrying out the method a webhook answer may hold.
package telegramtest
