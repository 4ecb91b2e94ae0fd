package whatsapp

import (
	"encoding/json"
	"reflect"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// FuzzDecodeLikeEncodingJSON: decode reads a notification with
// encoding/json/v2's decoder in its encoding/json mode; for any body it
// accepts exactly what encoding/json accepts, into the same values.
func FuzzDecodeLikeEncodingJSON(f *testing.F) {
	addSeeds(f)
	for _, s := range []string{`{"OBJECT":"x","entry":[{"Changes":[]}]}`, `{"object":"a","object":"b"}`,
		"{\"object\":\"\xff\"}", `{"entry":[{"changes":[{"value":{"messages":[{"text":{"body":1}}]}}]}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var want, got notification
		werr := json.Unmarshal(body, &want)
		gerr := jsonv2.Unmarshal(body, &got, jsonv1.DefaultOptionsV1())
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("encoding/json: %v; v2 in v1 mode: %v; body %q", werr, gerr, body)
		}
		if werr == nil && !reflect.DeepEqual(want, got) {
			t.Fatalf("decoded differently:\nencoding/json %+v\nv2 in v1 mode %+v\nbody %q", want, got, body)
		}
	})
}
