package dsl

import (
	"encoding/json"
	"fmt"

	"github.com/batonbot/baton/flows"
)

// SchemaID is the $id of the flow files' JSON Schema.
const SchemaID = "https://batonbot.github.io/schema/flow.json"

// Schema is the JSON Schema (draft 2020-12) of flow files and of the files
// they include, for editors (yaml-language-server) and other tools. Its
// objects are built from the loader's own key tables (topKeys, stateKeys,
// ruleKeys...), each key described in schemaKeys; a key the loader reads
// that has no description is a programming error caught by the tests, so
// the schema and the loader cannot drift apart.
func Schema() []byte {
	b, err := json.MarshalIndent(schema(), "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

type js = map[string]any

// ref points at a definition.
func ref(name string) js { return js{"$ref": "#/$defs/" + name} }

func anyOf(s ...js) js { return js{"anyOf": s} }

func desc(s js, d string) js {
	out := js{}
	for k, v := range s {
		out[k] = v
	}
	out["description"] = d
	return out
}

// object is a map with exactly keys, each described by props; it panics
// when a key has no description (see Schema).
func object(what string, keys []string, props map[string]js, required ...string) js {
	p := js{}
	for _, k := range keys {
		s, ok := props[k]
		if !ok {
			panic(fmt.Sprintf("dsl: the schema does not describe the key %q of %s", k, what))
		}
		p[k] = s
	}
	o := js{"type": "object", "properties": p, "additionalProperties": false}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

var (
	// str is a text: the loader reads a number or true/false written
	// there as its text (id: 1, label: 2026), so the schema does too.
	str = js{"type": []string{"string", "number", "boolean"}}
	// strictStr is a text the loader refuses as a number or true/false:
	// keywords (it asks for quotes) and expressions (42 is not a
	// condition).
	strictStr = js{"type": "string"}
	boolean   = js{"type": "boolean"}
	number    = js{"type": "number"}
	anything  = js{}
)

func listOf(s js) js { return js{"type": "array", "items": s} }

func mapOf(s js) js { return js{"type": "object", "additionalProperties": s} }

func enum(values ...string) js { return js{"type": "string", "enum": values} }

// schemaKeys describes every key the loader reads, by the table it is in.
func schemaKeys() map[string]map[string]js {
	action := map[string]js{
		"say":     desc(ref("text"), "send a text"),
		"set":     desc(mapOf(anything), "assign variables, in order: a value, or a {{ }} template"),
		"http":    desc(ref("http"), "call an API"),
		"handoff": desc(ref("handoff"), "hand the conversation to a person"),
		"end":     desc(anyOf(boolean, str, js{"type": "null"}), "end the conversation (true or a reason); in a sub-flow, return to the caller"),
		"do":      desc(listOf(ref("action")), "actions in order, when the same kind is needed twice"),
	}
	with := func(m map[string]js) map[string]js {
		for k, v := range action {
			m[k] = v
		}
		return m
	}
	return map[string]map[string]js{
		"top": {
			"flow":      desc(str, "the flow's name"),
			"version":   desc(anyOf(str, number), "free text, shown by baton validate and in handoffs"),
			"languages": desc(js{"type": "array", "items": js{"type": "string", "pattern": langCode.String()}, "minItems": 1}, "the languages the flow speaks; the first is the default"),
			"start":     desc(ref("state_name"), "the state a new conversation enters"),
			"on_reload": desc(ref("state_name"), "where a conversation goes when a reload removed its state (default: start)"),
			"timezone":  desc(str, "the flow's time zone (IANA, e.g. Europe/Rome): dates and times in messages are read in it"),
			"vars":      desc(mapOf(anything), "variables and their initial values"),
			"include":   desc(listOf(str), "files whose vars, hours, nlu, triggers and states join the flow"),
			"hours":     desc(mapOf(ref("calendar")), "business-hours calendars by name"),
			"nlu":       ref("nlu"),
			"triggers":  desc(listOf(ref("rule")), "global rules, tried in order on every message"),
			"no_match":  ref("ladder"),
			"timeouts":  desc(listOf(ref("timeout")), "no-reply timeouts"),
			"states":    desc(mapOf(ref("state")), "the states, by name"),
			"subflows":  desc(mapOf(ref("subflow")), "named sub-flows that states call"),
		},
		"action": action,
		"state": with(map[string]js{
			"menu":     ref("menu"),
			"routes":   desc(listOf(ref("rule")), "rules tried on the customer's message"),
			"ask":      ref("ask"),
			"collect":  desc(listOf(ref("slot")), "slots filled from entities, the missing ones asked for"),
			"survey":   ref("survey"),
			"call":     ref("call"),
			"next":     desc(anyOf(ref("state_name"), listOf(ref("rule"))), "a state, or rules tried in order (the first that holds)"),
			"no_match": ref("ladder"),
			"triggers": desc(boolean, "false turns the global triggers off here"),
		}),
		"rule": with(map[string]js{
			"name":     desc(str, "the rule's name (triggers: shown in events, the handoff reason)"),
			"keywords": ref("keywords"),
			"unless":   desc(ref("keywords"), "phrases that stop the rule from matching"),
			"negation": desc(boolean, "false: a negated keyword still matches"),
			"pattern":  desc(str, "a regular expression (Go RE2) found in the message"),
			"intent":   desc(str, "the NLU's top intent must be this one"),
			"when":     desc(ref("expr"), "an expression that must be true"),
			"goto":     ref("state_name"),
		}),
		"menu": {
			"style":   enum(string(flows.MenuAuto), string(flows.MenuButtons), string(flows.MenuList), string(flows.MenuText)),
			"options": listOf(ref("option")),
		},
		"option": with(map[string]js{
			"id":       desc(str, "stable id: the payload of a button"),
			"label":    ref("localized"),
			"synonyms": desc(anyOf(str, listOf(str), mapOf(anyOf(str, listOf(str)))), "other words that choose the option"),
			"goto":     ref("state_name"),
		}),
		"ask": {
			"save_as":  desc(str, "the variable that receives the answer"),
			"entity":   desc(ref("entity"), "the kind of entity the answer must hold (its value is saved)"),
			"pattern":  desc(str, "a regular expression; its match (or first group) is saved"),
			"validate": desc(ref("expr"), "must be true for the answer (as answer)"),
			"invalid":  desc(ref("text"), "said instead of the ladder's message when the answer is rejected"),
		},
		"slot": {
			"save_as":  str,
			"entity":   ref("entity"),
			"prompt":   desc(ref("text"), "asks for the slot when it is missing"),
			"validate": desc(ref("expr"), "must be true for a value (as answer)"),
			"invalid":  desc(ref("text"), "said when a message fills no slot while this one is asked"),
		},
		"call": {
			"flow":    desc(str, "a flow file to call (relative to this file)"),
			"subflow": desc(str, "a sub-flow under subflows:"),
			"with":    desc(mapOf(anything), "the sub-flow's variables: values"),
			"save":    desc(mapOf(str), "this flow's variables: the sub-flow's, copied on return"),
		},
		"subflow": {
			"vars":     mapOf(anything),
			"start":    ref("state_name"),
			"states":   mapOf(ref("state")),
			"no_match": ref("ladder"),
		},
		"survey": {
			"kind":     enum(string(flows.SurveyCSAT), string(flows.SurveyNPS), string(flows.SurveyCES)),
			"name":     str,
			"question": ref("text"),
			"save_as":  str,
			"retry":    ref("text"),
			"tries":    js{"type": "integer", "minimum": 1, "maximum": 10},
			"followup": ref("followup"),
			"skip":     ref("state_name"),
			"sample":   anyOf(js{"type": "number", "minimum": 0, "maximum": 1}, ref("expr")),
		},
		"followup": {
			"question": ref("text"),
			"when":     ref("expr"),
			"save_as":  str,
		},
		"http": {
			"method":  js{"type": "string", "pattern": "^(GET|POST|PUT|PATCH|DELETE|HEAD|get|post|put|patch|delete|head)$"},
			"url":     desc(str, "the holes of its path and query are percent-encoded"),
			"headers": mapOf(str),
			"body":    desc(anything, "JSON; its strings are templates"),
			"timeout": ref("duration"),
			"save_as": desc(str, "the result: status, ok, body, error"),
			"sandbox": listOf(ref("canned")),
		},
		"canned": {
			"when":   ref("expr"),
			"status": js{"type": "integer", "minimum": 100, "maximum": 599},
			"body":   anything,
			"delay":  ref("duration"),
		},
		"handoff": {
			"say":      ref("text"),
			"reason":   str,
			"team":     str,
			"priority": desc(str, "low, normal, high, urgent, or a template"),
			"tags":     anyOf(str, listOf(str)),
			"return":   desc(ref("state_name"), "where the bot resumes when the ticket is solved"),
		},
		"step": with(map[string]js{"goto": ref("state_name")}),
		"timeout": with(map[string]js{
			"after": ref("duration"),
			"goto":  ref("state_name"),
		}),
		"nlu": {
			"threshold": js{"type": "number", "minimum": 0, "maximum": 1},
			"analyser":  desc(str, "builtin, llm, hybrid"),
			"analyzer":  desc(str, "the same as analyser"),
			"intents":   desc(mapOf(ref("phrases")), "intents with example phrases"),
			"lexicon":   desc(mapOf(ref("phrases")), "phrases that extend the built-in lexicons"),
		},
	}
}

func schema() js {
	k := schemaKeys()
	defs := js{
		"text":       desc(anyOf(str, mapOf(str)), "a text (it may hold {{ }} holes), or a map from language to text"),
		"localized":  desc(anyOf(str, mapOf(str)), "fixed text, or a map from language to text"),
		"expr":       desc(anyOf(strictStr, boolean), "an expression (expr-lang)"),
		"duration":   js{"type": "string", "pattern": `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`, "description": "30s, 10m, 24h, 1h30m"},
		"state_name": js{"type": []string{"string", "number", "boolean"}, "minLength": 1},
		"entity":     enum(flows.EntityKinds...),
		"keywords":   anyOf(strictStr, listOf(strictStr), mapOf(anyOf(strictStr, listOf(strictStr)))),
		"phrases":    anyOf(str, listOf(str), mapOf(anyOf(str, listOf(str)))),
		"ladder":     desc(listOf(ref("step")), "the no-match ladder: step N runs on the Nth message not understood"),
		"calendar": js{
			"type": "object",
			"properties": js{
				"timezone": str,
				"holidays": listOf(js{"type": "string", "format": "date"}),
			},
			"patternProperties":    js{`^(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?$`: anyOf(str, listOf(str))},
			"additionalProperties": false,
			"required":             []string{"timezone"},
		},
	}
	tables := []struct {
		def  string
		keys []string
		req  []string
	}{
		{"state", stateKeys, nil},
		{"action", actionKeys, nil},
		{"rule", ruleKeys, nil},
		{"menu", menuKeys, []string{"options"}},
		{"option", optionKeys, []string{"label"}},
		{"ask", askKeys, []string{"save_as"}},
		{"slot", slotKeys, []string{"save_as", "entity", "prompt"}},
		{"call", callKeys, nil},
		{"subflow", subflowKeys, []string{"start", "states"}},
		{"survey", surveyKeys, []string{"kind", "question"}},
		{"followup", followUpKeys, []string{"question"}},
		{"http", httpKeys, []string{"url"}},
		{"canned", cannedKeys, nil},
		{"handoff", handoffKeys, nil},
		{"step", stepKeys, nil},
		{"timeout", timeoutKeys, []string{"after"}},
		{"nlu", nluKeys, nil},
	}
	for _, t := range tables {
		defs[t.def] = object(t.def, t.keys, k[t.def], t.req...)
	}
	// An action in do: is one action key (or a few, each once).
	defs["action"].(js)["minProperties"] = 1
	top := k["top"]
	flow := object("a flow file", topKeys, top, "flow", "languages", "start", "states")
	fragment := object("an included file", includeKeys, top)
	return js{
		"$schema":     "https://json-schema.org/draft/2020-12/schema",
		"$id":         SchemaID,
		"title":       "Baton flow",
		"description": "A Baton flow file (docs/dsl.md), or a file a flow includes.",
		"anyOf":       []js{flow, fragment},
		"$defs":       defs,
	}
}
