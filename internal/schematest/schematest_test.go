package schematest

import "testing"

func TestCompileAndValue(t *testing.T) {
	s := Compile(t, "https://example.com/t.json", []byte(`{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"type": "object",
		"properties": {"n": {"type": "integer"}, "when": {"type": "string"}},
		"additionalProperties": false
	}`))
	for src, valid := range map[string]bool{
		"n: 3\n":                   true,
		"n: 3\nwhen: 2026-12-06\n": true,
		"n: three\n":               false,
		"m: 3\n":                   false,
	} {
		v, err := Value([]byte(src))
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		if err := s.Validate(v); (err == nil) != valid {
			t.Errorf("%q: valid = %v, want %v (%v)", src, err == nil, valid, err)
		}
	}
	if _, err := Value([]byte("n: [\n")); err == nil {
		t.Error("broken YAML read")
	}
}
