package convtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMediaStepErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "media.yaml")
	src := `flow: ../flows/support.yaml
conversations:
  - name: bad media
    steps:
      - media: photo
      - media: {kind: location, latitude: north}
      - media: {kind: image, size: 3}
      - media: {kind: image, caption: "2"}
`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tf, errs := Parse(path)
	got := strings.Join(errs, "\n")
	for _, want := range []string{
		`:5:16: media: kind "photo" is not one of image, audio, video, document, sticker, location, contacts`,
		`:6:43: media.latitude must be a number of degrees, like 45.46`,
		`:7:30: unknown key "size" in media`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q:\n%s", want, got)
		}
	}
	if len(errs) != 3 {
		t.Errorf("%d errors, want 3:\n%s", len(errs), got)
	}
	if tf != nil {
		st := tf.Conversations[0].Steps[3]
		if st.Kind != "media" || st.Media.Kind != "image" || st.Media.Caption != "2" || st.Media.ID != "test-image" || st.Input() != `media: "[image test-image] 2"` {
			t.Errorf("step %+v", st)
		}
	}
}
