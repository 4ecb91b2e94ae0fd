package flows

import (
	"strconv"
	"strings"
	"time"
)

// FormatDuration writes d the way a designer writes it in a flow or a test
// file: 24h, 10m, 1h30m, 30s, never 24h0m0s. Parts that are zero are left
// out (1h30s); a duration with a fraction of a second is written as Go
// writes it (1.5s, 250ms).
func FormatDuration(d time.Duration) string {
	if d == 0 || d%time.Second != 0 {
		return d.String()
	}
	var b strings.Builder
	u := uint64(d)
	if d < 0 {
		b.WriteByte('-')
		u = -u
	}
	s := u / uint64(time.Second)
	for _, p := range []struct {
		n    uint64
		unit byte
	}{{s / 3600, 'h'}, {s / 60 % 60, 'm'}, {s % 60, 's'}} {
		if p.n != 0 {
			b.WriteString(strconv.FormatUint(p.n, 10))
			b.WriteByte(p.unit)
		}
	}
	return b.String()
}
