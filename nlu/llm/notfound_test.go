package llm

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A 404 tells a wrong base URL (no chat-completions endpoint there: a
// plain "404 page not found") from a wrong model name (the server's own
// error), and says which to fix.
func TestNotFound(t *testing.T) {
	page := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "404 page not found\n")
	}
	ollamaModel := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":{"message":"model \"llama3.2\" not found, try pulling it first","type":"api_error","param":null,"code":null}}`)
	}
	vllmModel := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"object":"error","message":"The model `+"`llama3.2`"+` does not exist.","type":"NotFoundError","param":null,"code":404}`)
	}
	llamaPath := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":{"code":404,"message":"File Not Found","type":"not_found_error"}}`)
	}
	for _, tt := range []struct {
		name  string
		path  string // of the base URL
		reply http.HandlerFunc
		want  string // after "http 404"; the server's URL is ${URL}
	}{
		{"base URL without /v1", "", page, " (nothing at ${URL}/chat/completions: check the base URL; most servers want it to end in /v1)"},
		{"base URL with a wrong path", "/api/v1", page, " (nothing at ${URL}/api/v1/chat/completions: check the base URL)"},
		{"llama.cpp: wrong path", "", llamaPath, ": File Not Found (nothing at ${URL}/chat/completions: check the base URL; most servers want it to end in /v1)"},
		{"Ollama: model not pulled", "/v1", ollamaModel, `: model "llama3.2" not found, try pulling it first (check the model name)`},
		{"vLLM: model not served", "/v1", vllmModel, ": The model `llama3.2` does not exist. (check the model name)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.reply)
			defer srv.Close()
			a, err := New(WithBaseURL(srv.URL+tt.path), WithModel("llama3.2"), WithFallback(unsureFallback()))
			if err != nil {
				t.Fatal(err)
			}
			want := "http 404" + strings.ReplaceAll(tt.want, "${URL}", srv.URL)
			if got := analyze(t, a, "ciao"); got.Fallback != want {
				t.Errorf("Fallback = %q\n want %q", got.Fallback, want)
			}
		})
	}
}

// The endpoint's whole URL given as the base URL would post to
// .../chat/completions/chat/completions: refused at once, with the URL to
// give.
func TestBaseURLWithTheEndpoint(t *testing.T) {
	_, err := New(WithBaseURL("http://localhost:11434/v1/chat/completions/"), WithModel("m"))
	want := "llm: base URL http://localhost:11434/v1/chat/completions ends in /chat/completions, which the analyser adds: give http://localhost:11434/v1"
	if err == nil || err.Error() != want {
		t.Errorf("New error = %v\n want %s", err, want)
	}
}

// A 403 is not a wrong key: OpenAI answers it for a project without
// access to the model, or from a region it does not serve. Its message
// says which.
func TestForbidden(t *testing.T) {
	for _, tt := range []struct{ body, want string }{
		{`{"error":{"message":"Project ` + "`proj_abc`" + ` does not have access to model ` + "`gpt-4o`" + `","type":"invalid_request_error","param":null,"code":"model_not_found"}}`,
			"http 403: Project `proj_abc` does not have access to model `gpt-4o` (check what the key may use)"},
		{`{"error":{"code":"unsupported_country_region_territory","message":"Country, region, or territory not supported","param":null,"type":"request_forbidden"}}`,
			"http 403: Country, region, or territory not supported (check what the key may use)"},
		{`forbidden`, "http 403 (check what the key may use)"},
	} {
		f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, tt.body)
		})
		a := newTest(t, f, WithFallback(unsureFallback()))
		if got := analyze(t, a, "ciao"); got.Fallback != tt.want || f.hits.Load() != 1 {
			t.Errorf("Fallback = %q after %d requests\n want %q after one", got.Fallback, f.hits.Load(), tt.want)
		}
	}
}
