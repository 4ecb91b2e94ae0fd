package llm

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestIsOpenAI(t *testing.T) {
	for _, tt := range []struct {
		url  string
		want bool
	}{
		{"https://api.openai.com/v1", true},
		{"https://API.OpenAI.com/v1/", true},
		{"https://api.openai.com:443/v1", true},
		{"http://api.openai.com/v1", false}, // the key would travel in clear
		{"http://localhost:11434/v1", false},
		{"https://api.openai.com.evil.example/v1", false},
		{"https://openai-proxy.example.com/v1", false},
		{"https://evil.example/api.openai.com/v1", false},
		{"api.openai.com/v1", false},
		{"", false},
	} {
		if got := IsOpenAI(tt.url); got != tt.want {
			t.Errorf("IsOpenAI(%q) = %v, want %v", tt.url, got, tt.want)
		}
	}
}

// OpenAI over plain http would carry the key in clear: refused, with the
// URL to use.
func TestOpenAIOverHTTP(t *testing.T) {
	_, err := New(WithBaseURL("http://api.openai.com/v1"), WithAPIKey("sk-secret"))
	if err == nil || !strings.Contains(err.Error(), "use https://api.openai.com/v1") || strings.Contains(err.Error(), "sk-secret") {
		t.Errorf("New = %v, want an error saying to use https", err)
	}
}

// A 401 to a request without a key says none was sent, rather than to
// check a key the operator may think is configured.
func TestUnauthorizedWithoutKey(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := r.Header.Get("Authorization"); a != "" {
			t.Errorf("Authorization = %q, want none", a)
		}
		writeError(w, http.StatusUnauthorized, "missing key", "invalid_api_key")
	}))
	defer srv.Close()
	a, err := New(WithBaseURL(srv.URL+"/v1"), WithModel("m"), WithFallback(unsureFallback()))
	if err != nil {
		t.Fatal(err)
	}
	want := "http 401 (no API key was sent; set the key this server wants)"
	if got := analyze(t, a, "ciao"); got.Fallback != want {
		t.Errorf("Fallback = %q, want %q", got.Fallback, want)
	}
}
