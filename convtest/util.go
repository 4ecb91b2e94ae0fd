package convtest

import (
	"encoding/json"
	"fmt"
)

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// compactJSON shows a value as one-line JSON.
func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
