package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzPost posts arbitrary bodies: the handler never panics, answers 202,
// 400 or 413, and hands over only well-formed messages.
func FuzzPost(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	if len(files) == 0 {
		f.Fatal("no seed corpus in testdata")
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := &receiver{}
		var rejects []string
		h := newTestHandler(t, rec, &rejects)
		w := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/api/messages", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(w, req)
		switch w.Code {
		case http.StatusAccepted, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d", w.Code)
		}
		for _, in := range rec.got() {
			if !idRE.MatchString(in.Contact.ID) || !strings.HasPrefix(in.ConversationID, "web:site:") || !utf8.ValidString(in.Input.Text) ||
				(in.Input.Text == "" && in.Input.Payload == "") || utf8.RuneCountInString(in.Input.Text) > DefaultMaxText {
				t.Fatalf("bad inbound %+v", in)
			}
		}
	})
}
