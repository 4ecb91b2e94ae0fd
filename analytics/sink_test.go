package analytics_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/flows"
)

func ev(id string, at time.Time) flows.Event {
	return flows.Event{V: 1, ID: id, Type: flows.EvMessageIn, At: at, Conversation: "c1", Flow: "f", Size: 3}
}

func readAll(t *testing.T, paths ...string) []flows.Event {
	t.Helper()
	var out []flows.Event
	if err := analytics.ScanFiles(paths, nil, func(e *flows.Event) error { out = append(out, *e); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFileSinkRotatesBySize(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")
	at := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	s, err := analytics.OpenFile(path, analytics.RotateSize(300), analytics.WithFileClock(func() time.Time { return at }))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 { // a dozen files in one second
		if err := s.Write(context.Background(), ev(string(rune('a'+i)), at)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "events*.jsonl"))
	if len(files) < 3 {
		t.Fatalf("want several files after rotation, got %v", files)
	}
	for _, f := range files {
		if st, _ := os.Stat(f); st.Size() > 300 {
			t.Errorf("%s is %d bytes, over the 300 limit", f, st.Size())
		}
	}
	got := readAll(t, files...)
	if len(got) != 30 {
		t.Errorf("read back %d events, want 30", len(got))
	}
	// The files of one second, in the glob's (lexical) order, are in the
	// order they were written: baton report events*.jsonl reads them so.
	for i, e := range got {
		if want := string(rune('a' + i)); e.ID != want {
			t.Fatalf("event %d of %v is %s, want %s", i, files, e.ID, want)
		}
	}
}

func TestFileSinkRotatesDaily(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ev.jsonl")
	day1 := time.Date(2026, 3, 3, 23, 59, 0, 0, time.UTC)
	s, err := analytics.OpenFile(path, analytics.RotateDaily(), analytics.WithFileClock(func() time.Time { return day1.Add(time.Minute) }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_ = s.Write(ctx, ev("1", day1), ev("2", day1))
	_ = s.Write(ctx, ev("3", day1.Add(2*time.Minute)))
	_ = s.Close()
	rotated := filepath.Join(dir, "ev-20260304T000000.jsonl")
	if got := readAll(t, rotated); len(got) != 2 {
		t.Fatalf("day one file has %d events, want 2", len(got))
	}
	if got := readAll(t, path); len(got) != 1 || got[0].ID != "3" {
		t.Fatalf("current file: %+v", got)
	}
	// Reopening appends to today's file.
	s, _ = analytics.OpenFile(path, analytics.RotateDaily())
	_ = s.Write(ctx, ev("4", day1.Add(3*time.Minute)))
	_ = s.Close()
	if got := readAll(t, path); len(got) != 2 {
		t.Fatalf("after reopening: %d events, want 2", len(got))
	}
}

func TestScanErrors(t *testing.T) {
	cases := map[string]string{
		"{\"v\":1,\"type\":\"message_in\",\"at\":\"2026-03-03T10:00:00Z\"}\nnot json\n": "x.jsonl:2: not an event",
		"{\"v\":1}\n":                `x.jsonl:1: not an event: no "type"`,
		"{\"v\":9,\"type\":\"a\"}\n": "schema v9 is newer",
		"\n\n{\"v\":1,\"type\":\"a\",\"at\":\"2026-03-03T10:00:00Z\"}": "",
		// Every event carries its time: one without is refused, named.
		"{\"v\":1,\"type\":\"a\",\"at\":\"2026-03-03T10:00:00Z\"}\n{\"v\":1,\"type\":\"message_in\"}\n": `x.jsonl:2: not an event: no "at" (add the time it happened, RFC 3339: "at":"2026-03-03T10:30:00+01:00")`,
		"{\"v\":1,\"type\":\"message_in\",\"at\":null}\n":                                               `x.jsonl:1: not an event: no "at"`,
		// A flow, a test or a config given by mistake is told as such,
		// not with the JSON decoder's "expected 'false' but found invalid
		// token".
		"flow: acme-help\nlanguages: [en]\n": `x.jsonl:1: not an event: an events file holds one JSON object a line, and this line is "flow: acme-help" (a flow, a test or a config? give the file --events or events: wrote)`,
	}
	for in, want := range cases {
		err := analytics.Scan(strings.NewReader(in), "x.jsonl", func(*flows.Event) error { return nil })
		if want == "" {
			if err != nil {
				t.Errorf("%q: %v", in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", in, err, want)
		}
	}
}

// webhookFake answers with the statuses in order, then 200.
type webhookFake struct {
	mu       sync.Mutex
	statuses []int
	batches  [][]flows.Event
	headers  []http.Header
	calls    atomic.Int32
}

func (f *webhookFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	status := 200
	if len(f.statuses) > 0 {
		status, f.statuses = f.statuses[0], f.statuses[1:]
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "0")
	}
	if status != 200 {
		w.WriteHeader(status)
		return
	}
	var body struct {
		Events []flows.Event `json:"events"`
	}
	if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&body) != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	f.batches = append(f.batches, body.Events)
	f.headers = append(f.headers, r.Header.Clone())
}

func TestWebhookSinkBatchesAndRetries(t *testing.T) {
	fake := &webhookFake{statuses: []int{500, 429}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	signed := 0
	s := analytics.NewWebhookSink(srv.URL,
		analytics.WebhookSigner(func(id string, ts time.Time, body []byte) (string, error) { signed++; return "v1,sig-" + id, nil }),
		analytics.WebhookHeader("Authorization", "Bearer tok"),
		analytics.WebhookBatch(analytics.BatchSize(3), analytics.BatchInterval(time.Hour), analytics.Retries(3, time.Minute)))
	at := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	for i := range 7 {
		if err := s.Write(context.Background(), ev(string(rune('a'+i)), at)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	var sizes []int
	n := 0
	for _, b := range fake.batches {
		sizes = append(sizes, len(b))
		n += len(b)
	}
	if n != 7 || len(sizes) != 3 || sizes[0] != 3 || sizes[2] != 1 {
		t.Fatalf("batches %v, want [3 3 1]", sizes)
	}
	if fake.calls.Load() != 5 {
		t.Errorf("%d requests, want 5 (two retries of the first batch)", fake.calls.Load())
	}
	h := fake.headers[0]
	if h.Get("Authorization") != "Bearer tok" || !strings.HasPrefix(h.Get("webhook-signature"), "v1,sig-") || h.Get("webhook-id") == "" || h.Get("webhook-timestamp") == "" {
		t.Errorf("headers: %v", h)
	}
	if st := s.Stats(); st.Sent != 7 || st.Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestWebhookSinkDropsRefusedBatchAndOverflow(t *testing.T) {
	fake := &webhookFake{statuses: []int{400}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	var errs []error
	var mu sync.Mutex
	s := analytics.NewWebhookSink(srv.URL, analytics.WebhookBatch(analytics.BatchSize(2), analytics.BatchInterval(time.Hour),
		analytics.OnSendError(func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() })))
	at := time.Now()
	_ = s.Write(context.Background(), ev("a", at), ev("b", at))
	_ = s.Close()
	if st := s.Stats(); st.Dropped != 2 || st.Sent != 0 {
		t.Errorf("stats %+v, want 2 dropped", st)
	}
	mu.Lock()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "400") {
		t.Errorf("errors %v", errs)
	}
	mu.Unlock()

	// A full buffer drops new events at once instead of blocking.
	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer slow.Close()
	s = analytics.NewWebhookSink(slow.URL, analytics.WebhookBatch(analytics.BufferSize(2), analytics.BatchSize(1), analytics.FlushTimeout(100*time.Millisecond)))
	var full error
	for i := range 10 {
		if err := s.Write(context.Background(), ev(string(rune('a'+i)), at)); err != nil {
			full = err
		}
	}
	if !errors.Is(full, analytics.ErrBufferFull) {
		t.Errorf("want ErrBufferFull, got %v", full)
	}
	close(block)
	_ = s.Close()
	if s.Stats().Dropped == 0 {
		t.Error("nothing counted dropped")
	}
}

func TestFileSinkConcurrentWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e.jsonl")
	s, err := analytics.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				_ = s.Write(context.Background(), ev(string(rune('a'+g))+string(rune('a'+i%26)), time.Now()))
			}
		})
	}
	wg.Wait()
	_ = s.Close()
	b, _ := os.ReadFile(path)
	if n := bytes.Count(b, []byte("\n")); n != 200 {
		t.Fatalf("%d lines, want 200", n)
	}
	if got := readAll(t, path); len(got) != 200 {
		t.Fatalf("%d events", len(got))
	}
}

func TestScanKeepsOrderAcrossBatches(t *testing.T) {
	var b bytes.Buffer
	at := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	const n = 5000
	for i := range n {
		e := ev(strings.Repeat("x", i%7)+string(rune('a'+i%26)), at)
		e.Count = i
		line, _ := json.Marshal(e)
		b.Write(line)
		b.WriteByte('\n')
		if i%1000 == 0 {
			b.WriteByte('\n') // blank lines are skipped
		}
	}
	next := 0
	err := analytics.Scan(bytes.NewReader(b.Bytes()), "big.jsonl", func(e *flows.Event) error {
		if e.Count != next {
			t.Fatalf("event %d came as number %d", e.Count, next)
		}
		next++
		return nil
	})
	if err != nil || next != n {
		t.Fatalf("scanned %d of %d: %v", next, n, err)
	}
	// An error deep in the file names its line; fn's error stops the scan.
	b.WriteString("{broken\n")
	err = analytics.Scan(bytes.NewReader(b.Bytes()), "big.jsonl", func(*flows.Event) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "big.jsonl:5006: not an event") {
		t.Errorf("error %v, want big.jsonl:5006", err)
	}
	stop := errors.New("enough")
	seen := 0
	err = analytics.Scan(bytes.NewReader(b.Bytes()), "big.jsonl", func(*flows.Event) error {
		seen++
		if seen == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || seen != 10 {
		t.Errorf("stopping: %v after %d", err, seen)
	}
}

// Around midnight a turn's events can be stamped on both sides of it (a
// message received at 23:59:59, the reply saved at 00:00:01) and
// conversations interleave: the daily file rotates once, when the day
// moves on, not back and forth; read back in name order, the events are
// in the order they were written.
func TestFileSinkRotatesDailyOnceAtMidnight(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ev.jsonl")
	mid := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	s, err := analytics.OpenFile(path, analytics.RotateDaily(), analytics.WithFileClock(func() time.Time { return mid.Add(time.Second) }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, at := range []time.Duration{-time.Second, time.Second, -time.Second / 2, 2 * time.Second, -time.Second / 4, 3 * time.Second} {
		if err := s.Write(ctx, ev(string(rune('a'+i)), mid.Add(at))); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.Close()
	files, _ := filepath.Glob(filepath.Join(dir, "ev*.jsonl"))
	if len(files) != 2 {
		t.Errorf("files %v, want the day before and the current one", files)
	}
	var ids string
	for _, e := range readAll(t, files...) {
		ids += e.ID
	}
	if ids != "abcdef" {
		t.Errorf("read back in name order: %s, want abcdef", ids)
	}
}

// A line longer than MaxEventLine stops the scan with that line named,
// whether the lines are decoded on one core or several: its first
// megabyte is never decoded as if it were the line.
func TestScanTooLongLine(t *testing.T) {
	const ev = "{\"v\":1,\"type\":\"message_in\",\"at\":\"2026-03-03T10:00:00Z\"}\n"
	in := ev + "{\"v\":1,\"type\":\"message_in\",\"at\":\"2026-03-03T10:00:00Z\",\"text\":\"" + strings.Repeat("a", 2*analytics.MaxEventLine) + "\"}\n" + ev
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		n := 0
		err := analytics.Scan(strings.NewReader(in), "x.jsonl", func(*flows.Event) error { n++; return nil })
		if want := "x.jsonl:2: not an event: the line is longer than"; err == nil || !strings.Contains(err.Error(), want) || n != 1 {
			t.Errorf("%d cores: %d events, error %v; want 1 and %q", procs, n, err, want)
		}
	}
}

// A 429's Retry-After is honoured in both its forms and bounded: a wait
// past the retries' bound (2 minutes by default, 1 here) drops the batch
// at once, and one that does not fit in an int64 of nanoseconds is no
// shorter for it (9223372037 seconds used to wrap around to a negative
// wait, retried at once; a number past an int, or an HTTP date, was
// ignored and retried with backoff).
func TestWebhookSinkRetryAfterBounded(t *testing.T) {
	tests := []struct {
		retryAfter string
		calls      int32
	}{
		{"0", 4},
		{"-5", 4},
		{"1000000", 1},
		{"1000000000000", 1},
		{"9223372037", 1},
		{"99999999999999999999999", 1},
		{time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), 1},
		{"Fri, 31 Dec 9999 23:59:59 GMT", 1},
		{time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat), 4},
	}
	for _, tt := range tests {
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			w.Header().Set("Retry-After", tt.retryAfter)
			w.WriteHeader(http.StatusTooManyRequests)
		}))
		s := analytics.NewWebhookSink(srv.URL, analytics.WebhookBatch(analytics.BatchSize(1), analytics.BatchInterval(time.Hour),
			analytics.Retries(3, time.Minute), analytics.FlushTimeout(time.Minute)))
		_ = s.Write(context.Background(), ev("a", time.Now()))
		start := time.Now()
		_ = s.Close()
		srv.Close()
		if took := time.Since(start); calls.Load() != tt.calls || s.Stats().Dropped != 1 || took > 30*time.Second {
			t.Errorf("Retry-After %q: %d requests, stats %+v, Close took %v; want %d requests, the batch dropped, at once",
				tt.retryAfter, calls.Load(), s.Stats(), took, tt.calls)
		}
	}
}

// A file whose last line was cut short (the disk filled up, the power
// went) gets the next event on a line of its own: appended to the cut
// line, it would be lost with it.
func TestFileSinkAfterACutLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	t0 := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	whole, err := json.Marshal(ev("e1", t0))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(append(whole, '\n'), whole[:20]...), 0o640); err != nil {
		t.Fatal(err)
	}
	s, err := analytics.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(context.Background(), ev("e2", t0.Add(time.Second))); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 3 || lines[1] != string(whole[:20]) {
		t.Fatalf("the file's lines: %q; want e1, the cut line alone, e2", lines)
	}
	var e2 flows.Event
	if err := json.Unmarshal([]byte(lines[2]), &e2); err != nil || e2.ID != "e2" {
		t.Errorf("the event after the cut line: %v, %q", err, lines[2])
	}
}

// A line of binary data (a compressed file given as events, the NUL bytes
// a crash leaves at the end of a file) is named as such, and the error
// does not copy those bytes to the terminal.
func TestScanBinaryLineSaysSo(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte("{\"v\":1,\"type\":\"message_in\",\"at\":\"2026-03-03T10:00:00Z\",\"conversation\":\"c1\"}\n"))
	_ = zw.Close()
	for name, in := range map[string]string{
		"gzip":     gz.String(),
		"NUL tail": "{\"v\":1,\"type\":\"message_in\",\"at\":\"2026-03-03T10:00:00Z\",\"conversation\":\"c1\"}\n" + strings.Repeat("\x00", 4096),
		"escape":   "\x1b[2J{\"v\":1}\n",
	} {
		err := analytics.Scan(strings.NewReader(in), "x.jsonl", func(*flows.Event) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "not an event: binary data, not JSON text") {
			t.Errorf("%s: error %v, want it to say binary data", name, err)
			continue
		}
		if strings.ContainsFunc(err.Error(), func(r rune) bool { return r < ' ' || r == utf8.RuneError }) {
			t.Errorf("%s: the error copies binary bytes: %q", name, err.Error())
		}
	}
}

// TestFileSinkBoundsText: a text past MaxEventText (a bot message built
// from a large HTTP answer, with characters JSON escapes six times over)
// is cut, so the line stays readable: readers refuse lines past
// MaxEventLine, and one such line failed the whole report.
func TestFileSinkBoundsText(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	s, err := analytics.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	big := ev("e1", at)
	big.Type, big.Text = flows.EvMessageOut, strings.Repeat("<\x01é", 400_000)
	big.Size = utf8.RuneCountInString(big.Text)
	small := ev("e2", at)
	small.Text = strings.Repeat("x", analytics.MaxEventText)
	if err := s.Write(context.Background(), big, small); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, path)
	if len(got) != 2 {
		t.Fatalf("read %d events, want 2", len(got))
	}
	if n := utf8.RuneCountInString(got[0].Text); n != analytics.MaxEventText || !strings.HasSuffix(got[0].Text, "…") || got[0].Size != big.Size {
		t.Errorf("the long text: %d characters, ends %q, size %d (want %d, …, %d)", n, got[0].Text[len(got[0].Text)-8:], got[0].Size, analytics.MaxEventText, big.Size)
	}
	if got[1].Text != small.Text {
		t.Errorf("a text of MaxEventText characters was cut")
	}
}

// ScanLines gives each event its line in the file, blank lines counted,
// across the decoding batches.
func TestScanLinesNumbers(t *testing.T) {
	var b strings.Builder
	var want []int
	for i := 1; i <= 2000; i++ {
		if i%7 == 0 {
			b.WriteString("\n")
			continue
		}
		fmt.Fprintf(&b, "{\"v\":1,\"type\":\"message_in\",\"at\":\"2026-03-03T10:00:00Z\",\"conversation\":\"c%d\"}\n", i)
		want = append(want, i)
	}
	var got []int
	err := analytics.ScanLines(strings.NewReader(b.String()), "x.jsonl", func(ev *flows.Event, line int) error {
		if ev.Conversation != fmt.Sprintf("c%d", line) {
			t.Fatalf("line %d: conversation %s", line, ev.Conversation)
		}
		got = append(got, line)
		return nil
	})
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("err %v, lines %v", err, got)
	}
}
