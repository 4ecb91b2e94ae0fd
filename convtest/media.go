package convtest

import (
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/batonbot/baton/flows"
)

var mediaKinds = []string{flows.MediaImage, flows.MediaAudio, flows.MediaVideo, flows.MediaDocument, flows.MediaSticker, flows.MediaLocation, flows.MediaContacts}

// media reads a media step: `media: image`, or a mapping of the media's
// fields (kind, id, mime, caption, filename, latitude, longitude, name,
// address).
func (p *testParser) media(n *yaml.Node) *flows.Media {
	m := &flows.Media{}
	if n.Kind == yaml.ScalarNode {
		m.Kind = n.Value
	} else {
		p.fields(n, "media", []string{"kind", "id", "mime", "caption", "filename", "latitude", "longitude", "name", "address"}, func(key string, _, v *yaml.Node) {
			switch key {
			case "kind":
				m.Kind = p.str(v, "media.kind")
			case "id":
				m.ID = p.str(v, "media.id")
			case "mime":
				m.MIME = p.str(v, "media.mime")
			case "caption":
				m.Caption = p.str(v, "media.caption")
			case "filename":
				m.Filename = p.str(v, "media.filename")
			case "name":
				m.Name = p.str(v, "media.name")
			case "address":
				m.Address = p.str(v, "media.address")
			case "latitude", "longitude":
				f, err := strconv.ParseFloat(v.Value, 64)
				if err != nil || v.Kind != yaml.ScalarNode {
					p.errorf(v, "media.%s must be a number of degrees, like 45.46", key)
				}
				if key == "latitude" {
					m.Latitude = f
				} else {
					m.Longitude = f
				}
			}
		})
	}
	if !slices.Contains(mediaKinds, m.Kind) {
		p.errorf(n, "media: kind %q is not one of %s", m.Kind, strings.Join(mediaKinds, ", "))
	}
	if m.ID == "" && m.Kind != flows.MediaLocation && m.Kind != flows.MediaContacts {
		m.ID = "test-" + m.Kind
	}
	return m
}
