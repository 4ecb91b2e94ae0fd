package host

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
)

const httpFlow = `flow: orders
languages: [en]
start: lookup
states:
  lookup:
    http:
      method: POST
      url: "{{ base }}/orders?key=${SHOP_KEY}"
      headers: {Authorization: "Bearer ${SHOP_TOKEN}"}
      body: {note: "{{ note }}"}
      save_as: order
    next: [{goto: done}]
  done:
    say: ok
vars:
  base: ""
  note: ""
`

func TestHTTPCaller(t *testing.T) {
	var mu sync.Mutex
	var got *http.Request
	var gotBody string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/orders" {
			mu.Lock()
			got, gotBody = r, string(b)
			mu.Unlock()
		}
		switch r.URL.Path {
		case "/slow": // answers only when the caller has given up
			<-r.Context().Done()
		case "/big":
			w.Write([]byte(strings.Repeat("x", 2000)))
			return
		}
		w.Write([]byte(`{"status":"shipped"}`))
	}))
	defer srv.Close()
	f, diags := dsl.Load("orders.yaml", []byte(httpFlow))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	env := map[string]string{"SHOP_KEY": "k1", "SHOP_TOKEN": "t0k", "OTHER": "leak"}
	h := NewHTTPCaller(HTTPEnv(func(n string) (string, bool) { v, ok := env[n]; return v, ok }), HTTPMaxResponse(1000))
	if names := h.Allow(f); strings.Join(names, ",") != "SHOP_KEY,SHOP_TOKEN" {
		t.Errorf("allowed %v", names)
	}
	ctx := context.Background()
	res := h.Call(ctx, flows.HTTPRequest{ID: "r1", Method: "POST", URL: srv.URL + "/orders?key=${SHOP_KEY}",
		Headers: map[string]string{"Authorization": "Bearer ${SHOP_TOKEN}"}, Body: `{"note":"${OTHER}"}`, Timeout: time.Second})
	if res.Err != "" || res.Status != 200 || string(res.Body) != `{"status":"shipped"}` || res.ID != "r1" {
		t.Fatalf("result %+v", res)
	}
	mu.Lock()
	defer mu.Unlock()
	if got.URL.Query().Get("key") != "k1" || got.Header.Get("Authorization") != "Bearer t0k" || got.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request %s %v", got.URL, got.Header)
	}
	if gotBody != `{"note":"${OTHER}"}` {
		t.Errorf("a name the flow does not write was filled: %s", gotBody)
	}

	res = h.Call(ctx, flows.HTTPRequest{ID: "r2", Method: "GET", URL: srv.URL + "/slow", Timeout: 50 * time.Millisecond})
	if res.Err != "timeout after 50ms" {
		t.Errorf("slow: %+v", res)
	}
	res = h.Call(ctx, flows.HTTPRequest{ID: "r3", Method: "GET", URL: srv.URL + "/big", Timeout: time.Second})
	if !strings.Contains(res.Err, "over 1000 bytes") || res.Body != nil {
		t.Errorf("big: %+v", res)
	}
	delete(env, "SHOP_TOKEN")
	res = h.Call(ctx, flows.HTTPRequest{ID: "r4", Method: "GET", URL: srv.URL, Headers: map[string]string{"Authorization": "Bearer ${SHOP_TOKEN}"}})
	if !strings.Contains(res.Err, "SHOP_TOKEN is not set") {
		t.Errorf("unset: %+v", res)
	}
	res = h.Call(ctx, flows.HTTPRequest{ID: "r5", Method: "GET", URL: "http://127.0.0.1:1/x?key=${SHOP_KEY}", Timeout: time.Second})
	if res.Err == "" || strings.Contains(res.Err, "k1") {
		t.Errorf("a refused connection: %+v (the secret must not show)", res)
	}
}
