package dsl_test

import (
	"fmt"

	"github.com/batonbot/baton/dsl"
)

func ExampleLoadFile() {
	flow, diags := dsl.LoadFile("testdata/ok/hello.yaml")
	for _, d := range diags {
		fmt.Println(d) // path:line:col: error|warning: message
	}
	if flow == nil {
		return
	}
	fmt.Println(flow.Name, flow.Languages, flow.Start, flow.Order)
	for _, o := range flow.States["welcome"].Menu.Options {
		fmt.Println(o.Number, o.ID, o.Keys, "→", o.Do.Goto)
	}
	// Output:
	// testdata/ok/hello.yaml:5:3: warning: no no_match: ladder: a message state "welcome" does not understand gets no reply at all; add a no_match: at the top of the flow (e.g. no_match: [{say: "Sorry, I didn't get that."}])
	// testdata/ok/hello.yaml:21:3: warning: state "goodbye" is unreachable from start "welcome": nothing leads to it; add a goto to it or remove it
	// hello [en it] welcome [welcome agent bye goodbye]
	// 1 talk_to_a_person [talk to a person parla con qualcuno agent human] → agent
	// 2 bye [bye ciao] → bye
}

func ExampleLoad() {
	_, diags := dsl.Load("broken.yaml", []byte(`flow: broken
languages: [en]
start: welcom
states:
  welcome:
    sya: "Hi {{ user.nme }}"
    next: welcome
`))
	fmt.Println(diags.Err())
	// Output:
	// broken.yaml:3:8: error: start: unknown state "welcom"; did you mean "welcome"?
	// broken.yaml:6:5: error: unknown key "sya" in state "welcome"; did you mean "say"?
}
