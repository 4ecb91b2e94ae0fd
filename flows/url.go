package flows

import (
	"net/url"
	"strings"
)

// URLForError is raw as an error message or a log may show it: up to its
// path, with "?…" in place of a query or fragment and without the user
// and password, which is where URLs carry keys, signatures and what a
// customer wrote. The host and path still tell which call failed. Text
// that does not parse as a URL loses everything up to the last "@"
// before its path, and everything from its first "?" or "#".
func URLForError(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Opaque == "" {
		cut := u.RawQuery != "" || u.ForceQuery || u.Fragment != ""
		s := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}).String()
		if cut {
			s += "?…"
		}
		return s
	}
	s := raw
	if i := strings.Index(s, "://"); i >= 0 {
		rest := s[i+3:]
		end := strings.IndexByte(rest, '/')
		if end < 0 {
			end = len(rest)
		}
		if at := strings.LastIndexByte(rest[:end], '@'); at >= 0 {
			s = s[:i+3] + rest[at+1:]
		}
	}
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i] + "?…"
	}
	return s
}
