package store

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// The session codec's wire format is protobuf-like: each field is a key
// (field number << 3 | wire type) and a value; a varint, a fixed 64-bit
// word, or length-prefixed bytes (strings and nested messages). Zero
// fields are left out, and a decoder skips the fields it does not know,
// so fields can be added without a new version.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
)

// enc appends fields to b.
type enc struct {
	b []byte
	// depth is how many nested messages are open. The body of one closed
	// at depth shallowDepth or more that needs a longer length than its
	// one-byte placeholder is not moved at once: its length is a hole,
	// filled by finish in one pass over b, so that a body nested in many
	// such messages is moved once, not once per level.
	depth int
	holes []hole
	grow  int // the bytes the holes will add to b

	// vdepth is how many variable values are open (as dec's depth), in
	// the variables in, under the variable varKey: the first value deeper
	// than maxValueDepth is kept in deep, and with bounded (a save, which
	// then refuses the session) nothing deeper is written.
	vdepth  int
	in      varsOf
	varKey  string
	deep    *deepValue
	bounded bool
}

// deepValue is where a variable nests deeper than maxValueDepth.
type deepValue struct {
	vars varsOf
	key  string
}

// hole is a nested message's length still to write: its placeholder's
// index in b, and the body's length once every hole in it is filled.
type hole struct{ at, n int }

// shallowDepth bounds how many times msg moves a byte at once: a
// session's own messages and the first levels of its variables.
const shallowDepth = 8

func (e *enc) key(f, wt int) { e.b = binary.AppendUvarint(e.b, uint64(f<<3|wt)) }

func (e *enc) uint(f int, v uint64) {
	if v != 0 {
		e.key(f, wireVarint)
		e.b = binary.AppendUvarint(e.b, v)
	}
}

func (e *enc) int(f int, v int64) {
	if v != 0 {
		e.key(f, wireVarint)
		e.b = binary.AppendVarint(e.b, v)
	}
}

func (e *enc) bool(f int, v bool) {
	if v {
		e.uint(f, 1)
	}
}

func (e *enc) float(f int, v float64) {
	if v != 0 || math.Signbit(v) {
		e.key(f, wireFixed64)
		e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(v))
	}
}

func (e *enc) str(f int, s string) {
	if s != "" {
		e.key(f, wireBytes)
		e.b = binary.AppendUvarint(e.b, uint64(len(s)))
		e.b = append(e.b, s...)
	}
}

// text writes s even when it is empty.
func (e *enc) text(f int, s string) {
	e.key(f, wireBytes)
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *enc) raw(f int, p []byte) {
	e.key(f, wireBytes)
	e.b = binary.AppendUvarint(e.b, uint64(len(p)))
	e.b = append(e.b, p...)
}

// time writes t as seconds and nanoseconds since the Unix epoch (its
// location is not kept; the decoder gives UTC).
func (e *enc) time(f int, t time.Time) {
	if t.IsZero() {
		return
	}
	e.msg(f, func() {
		e.b = binary.AppendVarint(e.b, t.Unix())
		e.b = binary.AppendUvarint(e.b, uint64(t.Nanosecond()))
	})
}

// msg writes what body appends as a nested message, even when empty.
func (e *enc) msg(f int, body func()) {
	e.key(f, wireBytes)
	at := len(e.b)
	e.b = append(e.b, 0) // a one-byte length, widened below if need be
	holes, grow := len(e.holes), e.grow
	e.depth++
	body()
	e.depth--
	raw := len(e.b) - at - 1
	n := raw + e.grow - grow // with the holes in the body filled
	if n < 0x80 {
		e.b[at] = byte(n)
		return
	}
	var l [binary.MaxVarintLen64]byte
	w := binary.PutUvarint(l[:], uint64(n))
	if e.depth >= shallowDepth {
		e.holes = append(e.holes, hole{at: at, n: n})
		e.grow += w - 1
		return
	}
	e.b = append(e.b, l[:w-1]...)
	copy(e.b[at+w:], e.b[at+1:at+1+raw])
	copy(e.b[at:], l[:w])
	for i := holes; i < len(e.holes); i++ {
		e.holes[i].at += w - 1
	}
}

// finish writes the lengths msg left as holes, moving each part of b
// once, from the end.
func (e *enc) finish() {
	if len(e.holes) == 0 {
		return
	}
	// A message's hole follows those of the messages in it.
	slices.SortFunc(e.holes, func(a, b hole) int { return cmp.Compare(a.at, b.at) })
	end := len(e.b)
	e.b = slices.Grow(e.b, e.grow)[:end+e.grow]
	to := len(e.b)
	for i := len(e.holes) - 1; i >= 0; i-- {
		h := e.holes[i]
		to -= end - (h.at + 1)
		copy(e.b[to:], e.b[h.at+1:end])
		var l [binary.MaxVarintLen64]byte
		w := binary.PutUvarint(l[:], uint64(h.n))
		to -= w
		copy(e.b[to:], l[:w])
		end = h.at
	}
	e.holes, e.grow = nil, 0
}

// errCorrupt is what a decoder reports for bytes that are not a valid
// encoding.
var errCorrupt = errors.New("store: corrupt session encoding")

// dec reads fields from s[i:end]. The whole encoding is one string, made
// once per decode, and every string decoded is a slice of it: a session's
// strings cost one allocation, not one each. The first error sticks.
type dec struct {
	s      string
	i, end int
	err    error
	depth  int // how many variable values are open (see value)
}

// maxValueDepth bounds how deep a session's variable values nest (a
// string is one level, a list of it two), so that a damaged or hostile
// stored session is refused rather than decoded on an ever deeper stack
// (about 1 kB a level): twice what encoding/json reads, so every JSON
// answer an HTTP action saves, and what expressions wrap it in, decodes.
const maxValueDepth = 20000

func newDec(b []byte) dec { return dec{s: string(b), end: len(b)} }

func (d *dec) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{errCorrupt}, args...)...)
		d.i = d.end
	}
}

func (d *dec) more() bool { return d.err == nil && d.i < d.end }

func (d *dec) uvarint() uint64 {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if d.i >= d.end {
			break
		}
		c := d.s[d.i]
		d.i++
		if shift == 63 && c > 1 {
			break
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	d.fail("bad varint")
	return 0
}

func (d *dec) varint() int64 {
	u := d.uvarint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

// key reads a field's number and wire type.
func (d *dec) key() (int, int) {
	k := d.uvarint()
	return int(k >> 3), int(k & 7)
}

func (d *dec) fixed64() uint64 {
	if d.end-d.i < 8 {
		d.fail("short fixed64")
		return 0
	}
	var v uint64
	for k := 7; k >= 0; k-- {
		v = v<<8 | uint64(d.s[d.i+k])
	}
	d.i += 8
	return v
}

// span reads a length and returns where the bytes it counts start and end.
func (d *dec) span() (int, int) {
	n := d.uvarint()
	if n > uint64(d.end-d.i) {
		d.fail("length %d past the end", n)
		return d.i, d.i
	}
	a := d.i
	d.i += int(n)
	return a, d.i
}

func (d *dec) str() string {
	a, b := d.span()
	return d.s[a:b]
}

func (d *dec) bytes() []byte { return []byte(d.str()) }

func (d *dec) float() float64 { return math.Float64frombits(d.fixed64()) }

func (d *dec) int() int { return int(d.varint()) }

// open returns a decoder of the nested message that comes next; close
// hands its error back to d.
func (d *dec) open() dec {
	a, b := d.span()
	return dec{s: d.s, i: a, end: b, depth: d.depth}
}

func (d *dec) close(s *dec) {
	if s.err != nil && d.err == nil {
		d.err = s.err
		d.i = d.end
	}
}

func (d *dec) time() time.Time {
	s := d.open()
	sec := s.varint()
	nsec := s.uvarint()
	if nsec >= 1e9 {
		s.fail("nanoseconds %d", nsec)
	}
	d.close(&s)
	if d.err != nil {
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

// count returns how many fields f the rest of the message in d has, from
// a field's start (a wrong count when it is corrupt: the decoding proper
// reports that).
func (d *dec) count(f int) int {
	s := *d
	n := 0
	for s.more() {
		g, wt := s.key()
		if g == f {
			n++
		}
		s.skip(wt)
	}
	return n
}

// skip passes over a field of wire type wt.
func (d *dec) skip(wt int) {
	switch wt {
	case wireVarint:
		d.uvarint()
	case wireFixed64:
		d.fixed64()
	case wireBytes:
		d.span()
	default:
		d.fail("unknown wire type %d", wt)
	}
}

// sub decodes a nested message with body, which reads fields from the
// decoder it is given; errors come back to d.
func (d *dec) sub(body func(*dec)) {
	s := d.open()
	if d.err != nil {
		return
	}
	body(&s)
	d.close(&s)
}
