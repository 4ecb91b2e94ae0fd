package chat

import (
	"bufio"
	"io"
	"strings"
	"testing"
)

// A line over the limit is cut on a rune boundary, not fatal; \r\n and a
// last line without a newline are read as lines.
func TestLineCutter(t *testing.T) {
	c := &lineCutter{r: bufio.NewReaderSize(strings.NewReader("abcdè\nshort\r\nlast"), 16), max: 5}
	for _, want := range []string{"abcd", "short", "last"} {
		got, err := c.ReadLine()
		if err != nil || got != want {
			t.Fatalf("ReadLine = %q, %v; want %q", got, err, want)
		}
	}
	if _, err := c.ReadLine(); err != io.EOF {
		t.Errorf("after the last line: %v, want EOF", err)
	}
}
