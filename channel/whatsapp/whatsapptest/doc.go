// Package whatsapptest is a fake of the WhatsApp Cloud API for tests: an
// httptest server that answers the Messages and Media endpoints the way
// Graph does (Bearer token, path with the API version and the phone number
// id, body shape and limits, error objects with Graph's codes), records
// what it accepted, fails on demand (throttling with Retry-After, the
// 24-hour window's 131047, a write that takes effect and then errors), and
// builds, signs and posts webhook notifications.
//
// It knows nothing of Baton's adapter: it checks the wire format on its
// own, so the adapter's tests and the host's end-to-end tests both use it.
package whatsapptest
