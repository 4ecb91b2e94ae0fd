package flows

import "strconv"

// Media kinds.
const (
	MediaImage    = "image"
	MediaAudio    = "audio"
	MediaVideo    = "video"
	MediaDocument = "document"
	MediaSticker  = "sticker"
	MediaLocation = "location"
	MediaContacts = "contacts"
)

// Media is something a customer sent besides text. Files (image, audio,
// video, document, sticker) carry the provider's ID to fetch them with
// (MediaFetcher); a location carries coordinates; contacts carry cards.
type Media struct {
	// Kind is image, audio, video, document, sticker, location or contacts.
	Kind string `json:"kind"`
	// ID is the provider's media id (WhatsApp media id, Telegram file_id).
	ID       string `json:"id,omitempty"`
	MIME     string `json:"mime,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
	// Latitude, Longitude, Name and Address describe a location.
	Latitude  float64 `json:"latitude,omitempty"`
	Longitude float64 `json:"longitude,omitempty"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
	// Contacts are shared contact cards.
	Contacts []Contact `json:"contacts,omitempty"`
}

// Describe is a one-line text for transcripts and tickets: the kind and
// media id, then the filename and caption, the place, or the contacts,
// e.g. "[image 1479537139650973] broken box".
func (m *Media) Describe() string {
	if m == nil {
		return ""
	}
	s := "[" + m.Kind
	if m.ID != "" {
		s += " " + m.ID
	}
	s += "]"
	add := func(v string) {
		if v != "" {
			s += " " + v
		}
	}
	switch m.Kind {
	case MediaLocation:
		add(m.Name)
		add(m.Address)
		add("(" + strconv.FormatFloat(m.Latitude, 'f', -1, 64) + ", " + strconv.FormatFloat(m.Longitude, 'f', -1, 64) + ")")
	case MediaContacts:
		for i, c := range m.Contacts {
			if i > 0 {
				s += ","
			}
			add(c.Name)
			if c.Phone != "" {
				add("<" + c.Phone + ">")
			}
		}
	default:
		add(m.Filename)
		add(m.Caption)
	}
	return s
}

// MediaEnv is what expressions read as `media`: the media of this turn's
// message, or all fields empty when it carried none (so `media.kind ==
// "image"` and `media.kind != ""` read naturally). The loader type-checks
// the field names.
type MediaEnv struct {
	Kind      string              `expr:"kind" json:"kind"`
	ID        string              `expr:"id" json:"id"`
	MIME      string              `expr:"mime" json:"mime"`
	Caption   string              `expr:"caption" json:"caption"`
	Filename  string              `expr:"filename" json:"filename"`
	Latitude  float64             `expr:"latitude" json:"latitude"`
	Longitude float64             `expr:"longitude" json:"longitude"`
	Name      string              `expr:"name" json:"name"`
	Address   string              `expr:"address" json:"address"`
	Contacts  []map[string]string `expr:"contacts" json:"contacts"`
}

// MediaFields are the fields of `media`, as expressions write them.
var MediaFields = []string{"kind", "id", "mime", "caption", "filename", "latitude", "longitude", "name", "address", "contacts"}

// Env returns m as the `media` builtin sees it; nil gives the empty one.
func (m *Media) Env() MediaEnv {
	if m == nil {
		return MediaEnv{}
	}
	e := MediaEnv{Kind: m.Kind, ID: m.ID, MIME: m.MIME, Caption: m.Caption, Filename: m.Filename,
		Latitude: m.Latitude, Longitude: m.Longitude, Name: m.Name, Address: m.Address}
	for _, c := range m.Contacts {
		e.Contacts = append(e.Contacts, map[string]string{"name": c.Name, "phone": c.Phone, "email": c.Email})
	}
	return e
}
