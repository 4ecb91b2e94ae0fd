package studio

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonbot/baton/flows"
)

func opts(titles ...string) []flows.ReplyOption {
	var out []flows.ReplyOption
	for i, t := range titles {
		out = append(out, flows.ReplyOption{ID: "o" + string(rune('a'+i)), Number: i + 1, Title: t})
	}
	return out
}

// The preview is what the channel's own sender would post: reply buttons
// within WhatsApp's limits, a list beyond them, numbered text beyond a
// list's; Telegram's inline keyboard.
func TestPreviewFollowsTheChannelsLimits(t *testing.T) {
	p, err := newPreview()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, channel string
		reply         flows.Reply
		want          string // substrings of the last message
		note          string
	}{
		{"three buttons", flows.ChannelWhatsApp, flows.Reply{Text: "Pick one 👋", Options: opts("Order status", "FAQ", "Talk to us"), Style: flows.MenuButtons},
			`"type":"button"`, ""},
		{"four options make a list", flows.ChannelWhatsApp, flows.Reply{Text: "Pick", Options: opts("A", "B", "C", "D"), Style: flows.MenuButtons},
			`"type":"list"`, "4 options: reply buttons hold at most 3"},
		{"a long title makes a list", flows.ChannelWhatsApp, flows.Reply{Text: "Pick", Options: opts("A title that is too long", "B"), Style: flows.MenuButtons},
			`"type":"list"`, "button titles hold at most 20 characters"},
		{"eleven options are text", flows.ChannelWhatsApp, flows.Reply{Text: "Pick", Options: opts("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"), Style: flows.MenuList},
			`"type":"text"`, "a list holds at most 10 rows"},
		{"telegram keyboard", flows.ChannelTelegram, flows.Reply{Text: "Pick", Options: opts("A", "B")},
			`"inline_keyboard":[[{"text":"A","callback_data":"oa"}],[{"text":"B","callback_data":"ob"}]]`, ""},
		{"telegram long id", flows.ChannelTelegram, flows.Reply{Text: "Pick", Options: []flows.ReplyOption{{ID: strings.Repeat("x", 65), Number: 1, Title: "A"}}},
			`"inline_keyboard":[[{"text":"A","callback_data":"` + flows.OptionToken(strings.Repeat("x", 65)) + `"}]]`, ""},
		{"web", flows.ChannelWeb, flows.Reply{Text: "Pick", Options: opts("A")}, `"options":[{"id":"oa","number":1,"title":"A"}]`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs, err := p.render(tt.channel, tt.reply, "en")
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) == 0 || !strings.Contains(string(msgs[len(msgs)-1]), tt.want) {
				t.Fatalf("messages %s, want %s", msgs, tt.want)
			}
			got := strings.Join(notes(tt.channel, tt.reply, msgs), "; ")
			if tt.note == "" && got != "" || !strings.Contains(got, tt.note) {
				t.Errorf("notes %q, want %q", got, tt.note)
			}
		})
	}
	long := flows.Reply{Text: strings.Repeat("è", 5000)}
	msgs, err := p.render(flows.ChannelWhatsApp, long, "it")
	if err != nil || len(msgs) != 2 {
		t.Fatalf("a 5,000-character text: %d messages, %v", len(msgs), err)
	}
	var m struct{ Text struct{ Body string } }
	if json.Unmarshal(msgs[0], &m); len([]rune(m.Text.Body)) > 4096 {
		t.Errorf("first part has %d characters", len([]rune(m.Text.Body)))
	}
}

// A menu of more than 10 options (style auto, or text) fits no WhatsApp
// list: the preview says so, and that the options go out numbered in the
// text, not that the flow asked for it.
func TestPreviewNotesMenusBeyondAList(t *testing.T) {
	for _, tc := range []struct {
		style string
		n     int
		note  string
	}{
		{"auto", 12, "12 options: a list holds at most 10 rows, so the options are numbered in the text"},
		{"text", 11, "11 options: a list holds at most 10 rows, so the options are numbered in the text"},
		{"text", 4, "the flow asks for a numbered list in the text"},
		{"auto", 10, ""},
	} {
		flow := filepath.Join(t.TempDir(), "m.yaml")
		y := "flow: m\nlanguages: [en]\nstart: a\nstates:\n  a:\n    say: Pick one\n    menu:\n      style: " + tc.style + "\n      options:\n"
		for i := 1; i <= tc.n; i++ {
			y += fmt.Sprintf("        - {id: o%d, label: Option %d, goto: b}\n", i, i)
		}
		y += "  b: {say: ok, end: true}\n"
		if err := os.WriteFile(flow, []byte(y), 0o644); err != nil {
			t.Fatal(err)
		}
		p := newPage(t, Options{Flow: flow})
		p.post("setup", map[string]any{"channel": "whatsapp"})
		st := p.post("message", map[string]string{"text": "hi"})
		var got []string
		for _, m := range st.Messages {
			if m.From == "bot" {
				got = append(got, m.Notes...)
			}
		}
		if g := strings.Join(got, "; "); g != tc.note {
			t.Errorf("%d options, style %s: notes %q, want %q", tc.n, tc.style, g, tc.note)
		}
	}
}
