package host

import (
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	pathpkg "path"
	"strings"
	"sync"
)

// hostCheck refuses, with 421, a request whose Host header names another
// host than those served: on a loopback listen address, the loopback
// names (localhost and its subdomains, 127.0.0.0/8, ::1, and 0.0.0.0 and
// [::], which reach them) and
// server.hosts; elsewhere server.hosts when it is set. Without it a page
// of attacker.example, its name resolved to 127.0.0.1 after it loaded
// (DNS rebinding), is same-origin with the server and reads the captured
// tickets and the web chat's conversations.
//
// The webhooks, the bridge, the media links and the health checks are
// served for any name: their requests are signed or they say nothing, and
// a tunnel (ngrok http 8080) or a proxy forwards the webhooks with its
// own name.
type hostCheck struct {
	next     http.Handler
	loopback bool     // the listen address is a loopback one
	hosts    []string // server.hosts (config.HostPattern's forms)
	spared   []string // path prefixes served for any name
	log      *slog.Logger
	mu       sync.Mutex
	logged   map[string]bool // the names refused, logged once each (at most maxLogged)
}

// maxLogged bounds the refused names logged: a page may make up many.
const maxLogged = 100

// newHostCheck wraps next with the check, or returns next when every name
// is served (not a loopback listen address and no server.hosts, or "*").
func newHostCheck(next http.Handler, listen string, hosts, spared []string, log *slog.Logger) http.Handler {
	loopback := IsLoopback(listen)
	if (!loopback && len(hosts) == 0) || containsStr(hosts, "*") {
		return next
	}
	return &hostCheck{next: next, loopback: loopback, hosts: hosts, spared: spared, log: log, logged: map[string]bool{}}
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (c *hostCheck) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if c.allowed(r.Host) || c.isSpared(r.URL.Path) {
		c.next.ServeHTTP(w, r)
		return
	}
	name := hostName(r.Host)
	c.mu.Lock()
	first := !c.logged[name] && len(c.logged) < maxLogged
	if first {
		c.logged[name] = true
	}
	c.mu.Unlock()
	if first {
		c.log.Warn("refused a request for a host name not served (421): a tunnel's or a proxy's name goes in server.hosts; a web page's name resolved to this machine (DNS rebinding) does not",
			"host", name, "path", r.URL.Path)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusMisdirectedRequest)
	_, _ = w.Write([]byte("421 misdirected request: this server does not answer for the host name " + quoteName(name) +
		"; open it at localhost or 127.0.0.1, or add the name to server.hosts in the config\n"))
}

// quoteName shows a refused name, cut at 100 bytes.
func quoteName(s string) string {
	if len(s) > 100 {
		s = s[:100] + "…"
	}
	return `"` + strings.ToValidUTF8(s, "?") + `"`
}

func (c *hostCheck) isSpared(p string) bool {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	// The mux's redirect of /bridge/../api is checked again. (Clean
	// returns a clean path as it is, without allocating.)
	path := pathpkg.Clean(p)
	for _, p := range c.spared {
		if path == p || (strings.HasSuffix(p, "/") && strings.HasPrefix(path, p)) {
			return true
		}
	}
	return false
}

// allowed reports whether the request's Host is served.
func (c *hostCheck) allowed(host string) bool {
	if host == "" { // HTTP/1.0 without Host: not a browser's
		return true
	}
	name := hostName(host)
	if isLoopbackName(name) {
		return true
	}
	for _, p := range c.hosts {
		if p == name {
			return true
		}
		if sub, ok := strings.CutPrefix(p, "*"); ok && strings.HasSuffix(name, sub) && len(name) > len(sub) {
			return true
		}
	}
	return false
}

// hostName is a Host header's name: without the port, brackets and final
// dot, lowercased; an IP address in its canonical form.
func hostName(host string) string {
	if strings.IndexByte(host, ':') >= 0 { // without one, SplitHostPort fails (an error allocated)
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
	}
	host = strings.TrimSuffix(strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")), ".")
	if ip, ok := parseAddr(host); ok {
		var b [64]byte
		if canon := ip.Unmap().AppendTo(b[:0]); string(canon) == host {
			return host // already canonical (127.0.0.1): not made again
		}
		return ip.Unmap().String()
	}
	return host
}

// parseAddr is netip.ParseAddr without its error, not called on a name
// that cannot be an address (one that starts with a letter and has no
// colon), for which it allocates the error.
func parseAddr(s string) (netip.Addr, bool) {
	if s == "" || (!('0' <= s[0] && s[0] <= '9') && strings.IndexByte(s, ':') < 0) {
		return netip.Addr{}, false
	}
	ip, err := netip.ParseAddr(s)
	return ip, err == nil
}

// isLoopbackName reports whether name (hostName's form) can only be this
// machine: localhost, a subdomain of it, a loopback address, or the
// unspecified one (0.0.0.0, [::]: browsers on Linux and macOS reach this
// machine's loopback through it, as servers print it for "every
// address"). A rebinding page's name is none of these: a Host header
// carries the page's name, never the address it resolved to, and a page
// that names 0.0.0.0 itself is another origin, as one naming 127.0.0.1 is.
func isLoopbackName(name string) bool {
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return true
	}
	ip, ok := parseAddr(name)
	return ok && (ip.IsLoopback() || ip.IsUnspecified())
}
