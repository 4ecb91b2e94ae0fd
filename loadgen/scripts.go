package loadgen

import (
	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/convtest"
	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/entity"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/sandbox"
)

// ServeScripts are the user and button steps of the conversations of the
// test files (files or directories), for Run, each with the replies its
// bot: check asks for. The problems are those of reading the files;
// conversations with no such step are left out.
func ServeScripts(paths []string) ([]Script, []string) {
	var scripts []Script
	problems := eachConversation(paths, func(path string, _ *convtest.File, c *convtest.Conversation) {
		s := Script{Name: path + ": " + c.Name}
		for _, st := range c.Steps {
			n, exact := st.Replies()
			switch st.Kind {
			case "user":
				s.Steps = append(s.Steps, Step{Text: st.Value, Replies: n, Exact: exact})
			case "button":
				s.Steps = append(s.Steps, Step{Payload: st.Value, Replies: n, Exact: exact})
			}
		}
		if len(s.Steps) > 0 {
			scripts = append(scripts, s)
		}
	})
	return scripts, problems
}

// EngineScripts are the inputs of the conversations of the test files,
// for RunEngine, with one engine per flow (its built-in analyser, and rec
// observing its turns when not nil). The problems are those of reading
// the files and loading their flows.
func EngineScripts(paths []string, rec *analytics.Recorder) ([]*EngineScript, []string) {
	engines := map[string]*engine.Engine{}
	var scripts []*EngineScript
	var flowProblems []string
	problems := eachConversation(paths, func(path string, tf *convtest.File, c *convtest.Conversation) {
		eng, ok := engines[tf.FlowPath]
		if !ok {
			var problem string
			if eng, problem = newEngine(tf.FlowPath, rec); problem != "" {
				flowProblems = append(flowProblems, problem)
				engines[tf.FlowPath] = nil
				return
			}
			engines[tf.FlowPath] = eng
		}
		if eng == nil { // its flow has problems, reported once
			return
		}
		s := &EngineScript{Name: path + ": " + c.Name, Engine: eng, Setup: c.Setup}
		for _, st := range c.Steps {
			switch st.Kind {
			case "user":
				s.Inputs = append(s.Inputs, flows.Input{Kind: flows.InputMessage, Text: st.Value})
			case "button":
				s.Inputs = append(s.Inputs, flows.Input{Kind: flows.InputMessage, Payload: st.Value})
			case "agent":
				s.Inputs = append(s.Inputs, flows.Input{Kind: flows.InputAgent, Text: st.Value, Agent: "agent"})
			case "ticket":
				s.Inputs = append(s.Inputs, flows.Input{Kind: flows.InputTicket, Ticket: &flows.TicketUpdate{Status: flows.TicketStatus(st.Value)}})
			case "close":
				s.Inputs = append(s.Inputs, flows.Input{Kind: flows.InputClose})
			}
		}
		if len(s.Inputs) > 0 {
			scripts = append(scripts, s)
		}
	})
	return scripts, append(problems, flowProblems...)
}

// newEngine loads the flow at path and builds its engine.
func newEngine(path string, rec *analytics.Recorder) (*engine.Engine, string) {
	f, diags := dsl.LoadFile(path)
	if diags.HasErrors() {
		return nil, diags.Err().Error()
	}
	opts := []engine.Option{engine.WithEntities(entity.New())}
	a, err := sandbox.BuiltinAnalyzer(f)
	if err != nil {
		return nil, err.Error()
	}
	if a != nil {
		opts = append(opts, engine.WithAnalyzer(a))
	}
	if rec != nil {
		opts = append(opts, engine.WithObserver(rec.Observe))
	}
	return engine.New(f, opts...), ""
}

// eachConversation calls fn for each conversation of the test files and
// returns the problems of reading them.
func eachConversation(paths []string, fn func(path string, tf *convtest.File, c *convtest.Conversation)) []string {
	files, _, err := convtest.Files(paths)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	for _, path := range files {
		tf, errs := convtest.Parse(path)
		if len(errs) > 0 {
			problems = append(problems, errs...)
			continue
		}
		for _, c := range tf.Conversations {
			fn(path, tf, c)
		}
	}
	return problems
}
