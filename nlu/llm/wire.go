package llm

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"
)

// wire is the HTTP client go-openai sends through. It does two things the
// library cannot:
//
//   - it writes "temperature" into the request body as configured.
//     ChatCompletionRequest.Temperature is a float32 with omitempty, so the
//     0 we want for repeatable answers would be dropped and the server
//     would use its default (1 on OpenAI). Rewriting the body sends exactly
//     0, rather than the common workaround of a tiny positive value
//     (math.SmallestNonzeroFloat32), which local servers may round or
//     reject; a negative temperature removes the field.
//   - it writes the output bound, maxTokens, as tokensField
//     ("max_tokens" or "max_completion_tokens", see WithMaxTokens):
//     go-openai marks its MaxTokens field deprecated and refuses it for
//     the reasoning models it knows, while local servers read no other.
//   - it records the Retry-After and x-ratelimit-* headers of the
//     response for the call in progress, which go-openai's errors do not
//     carry.
//
// The rewrite costs one JSON decode and encode per request, nothing next
// to the model's latency.
type wire struct {
	client      *http.Client
	now         func() time.Time
	temperature float64
	tokensField string
	maxTokens   int
}

func (w *wire) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Method == http.MethodPost {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = w.rewrite(body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	resp, err := w.client.Do(req)
	if resp != nil && resp.Body != nil {
		failed := resp.StatusCode < http.StatusOK || resp.StatusCode >= http.StatusBadRequest
		resp.Body = &limitedBody{rc: resp.Body, left: MaxResponseBytes, cut: failed}
	}
	if resp != nil {
		if st, ok := req.Context().Value(callStateKey{}).(*callState); ok {
			st.record(resp.Header, w.now())
		}
	}
	return resp, err
}

func (w *wire) rewrite(body []byte) []byte {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return body
	}
	if w.temperature < 0 {
		delete(m, "temperature")
	} else {
		m["temperature"] = json.RawMessage(strconv.FormatFloat(w.temperature, 'g', -1, 64))
	}
	if w.tokensField != "" {
		m[w.tokensField] = json.RawMessage(strconv.Itoa(w.maxTokens))
	}
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}
