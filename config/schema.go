package config

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/nlu/llm"
)

// The keys of each section, read by the decoder (decoder.mapping) and
// described by Schema, so the two cannot drift apart.
var (
	nluKeys         = []string{"analyser", "analyzer", "llm"}
	llmKeys         = []string{"base_url", "model", "api_key", "timeout", "max_tokens", "reasoning_effort", "calls_per_conversation_hour"}
	connectorsKeys  = []string{"default", "zendesk", "freshdesk", "webhook"}
	zendeskKeys     = []string{"subdomain", "base_url", "email", "token", "oauth_token", "requester_updates", "groups", "fields", "conversation_field", "tags"}
	freshdeskKeys   = []string{"domain", "base_url", "api_key", "groups", "fields", "conversation_field", "tags", "search_window", "unique_external_id"}
	webhookKeys     = []string{"url", "secret", "media_url", "media_link_ttl"}
	teamKeys        = []string{"name", "connector", "hours", "out_of_hours", "email", "strategy", "agents", "sla"}
	agentKeys       = []string{"id", "name", "skills", "languages", "zendesk_id", "freshdesk_id"}
	notifyKeys      = []string{"slack", "teams", "teams_format", "min_priority"}
	fieldKeys       = []string{"var", "mask"}
	deliveryKeys    = []string{"append_window", "appends_per_minute", "call_timeout", "max_attachment", "workers"}
	routingKeys     = []string{"default_team", "override", "out_of_hours", "intent_skills", "rules"}
	routingRuleKeys = []string{"name", "when", "team", "connector", "priority", "skills", "tags"}
	whenKeys        = []string{"intent", "language", "keywords", "reason", "channel", "plan", "country", "vip", "vars", "expr"}
	priorityKeys    = []string{"score", "thresholds"}
	thresholdKeys   = []string{"urgent", "high", "normal"}
	serverKeys      = []string{"listen", "shutdown_timeout", "workers", "http_timeout", "http_max_response", "max_message", "lease", "version_grace", "hosts"}
	storeKeys       = []string{"kind", "path", "url", "address", "addresses", "username", "password", "db", "prefix", "tls", "session_ttl"}
	channelsKeys    = []string{"whatsapp", "telegram", "web"}
	whatsappKeys    = []string{"phone_number_id", "flow", "access_token", "app_secret", "verify_token", "graph_url", "api_version", "template", "template_language", "typing_after"}
	telegramKeys    = []string{"name", "flow", "token", "secret_token", "api_url", "typing_after"}
	webKeys         = []string{"name", "flow"}
	bridgeKeys      = []string{"zendesk", "freshdesk", "webhook", "timestamp_window", "dedupe_ttl"}
	slaAlertKeys    = []string{"at", "slack", "teams", "webhook", "secret"}
	eventsKeys      = []string{"file", "rotate_size", "rotate_daily", "text", "salt", "webhook", "secret", "stream", "max_len"}
)

// SchemaID is the $id of the deployment configs' JSON Schema.
const SchemaID = "https://batonbot.github.io/schema/config.json"

type js = map[string]any

// Schema is the JSON Schema (draft 2020-12) of deployment configs
// (baton.yaml), built from the key tables the decoder reads: a key without
// a description here panics, which the tests catch.
func Schema() []byte {
	b, err := json.MarshalIndent(schema(), "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

func obj(what string, keys []string, props js, required ...string) js {
	p := js{}
	for _, k := range keys {
		s, ok := props[k]
		if !ok {
			panic(fmt.Sprintf("config: the schema does not describe the key %q of %s", k, what))
		}
		p[k] = s
	}
	o := js{"type": "object", "properties": p, "additionalProperties": false}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

func schema() js {
	var (
		// The decoder reads a number or true/false written as a text
		// (a numeric token, a team named 2) as that text.
		str      = js{"type": []string{"string", "number", "boolean"}}
		boolean  = js{"type": "boolean"}
		scalar   = js{"type": []string{"string", "number", "integer"}}
		duration = js{"type": "string", "description": "a duration: 30s, 10m, 1h30m"}
		strList  = js{"anyOf": []js{str, {"type": "array", "items": str}}}
		strMap   = js{"type": "object", "additionalProperties": scalar}
		prio     = js{"type": "string", "enum": []string{string(flows.PriorityLow), string(flows.PriorityNormal), string(flows.PriorityHigh), string(flows.PriorityUrgent)}}
		ooh      = js{"type": "string", "enum": []string{handoff.OutOfHoursTell, handoff.OutOfHoursTicket, handoff.OutOfHoursEmail}}
		listOf   = func(s js) js { return js{"type": "array", "items": s} }
		mapOf    = func(s js) js { return js{"type": "object", "additionalProperties": s} }
		accounts = func(s js) js { return js{"anyOf": []js{listOf(s), s}} }
	)
	fields := mapOf(js{"anyOf": []js{str, obj("a field", fieldKeys, js{"var": str, "mask": boolean})}})
	byPriority := obj("a table by priority", cfgPriorities, js{"low": duration, "normal": duration, "high": duration, "urgent": duration})
	slaProps := js{
		"resolution":     byPriority,
		"business_hours": boolean,
		"alerts": obj("sla.alerts", slaAlertKeys, js{
			"at": listOf(js{"type": []string{"string", "integer"}}), "slack": str, "teams": str, "webhook": str, "secret": str,
		}),
	}
	for _, p := range cfgPriorities {
		slaProps[p] = duration
	}
	sla := obj("an sla table", slaKeys, slaProps)
	hours := js{
		"type": "object",
		"properties": js{
			"timezone": str,
			"holidays": listOf(str),
		},
		"patternProperties":    js{`^(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?$`: strList},
		"additionalProperties": false,
		"required":             []string{"timezone"},
	}
	messages := make([]string, 0, len(handoff.DefaultMessages))
	for k := range handoff.DefaultMessages {
		messages = append(messages, k)
	}
	sort.Strings(messages)
	msgProps := js{}
	for _, k := range messages {
		msgProps[k] = mapOf(str)
	}
	secret := func(key string) js { return obj("a bridge secret", []string{key}, js{key: str}, key) }
	when := obj("a routing condition", whenKeys, js{
		"intent": strList, "language": strList, "keywords": strList, "reason": strList, "channel": strList,
		"plan": strList, "country": strList, "vip": boolean, "vars": mapOf(js{}), "expr": js{"type": "string"},
	})
	// The store's kind needs where its data is, as the decoder says.
	store := obj("store", storeKeys, js{
		"kind": js{"type": "string", "enum": []string{StoreMemory, StoreBolt, StoreValkey}}, "path": str, "url": str, "address": strList,
		"addresses": strList, "username": str, "password": str, "db": js{"type": "integer", "minimum": 0, "maximum": 15},
		"prefix": str, "tls": boolean, "session_ttl": duration,
	})
	kindIs := func(k string) js { return js{"properties": js{"kind": js{"const": k}}, "required": []string{"kind"}} }
	store["allOf"] = []js{
		{"if": kindIs(StoreBolt), "then": js{"required": []string{"path"}}},
		{"if": kindIs(StoreValkey), "then": js{"anyOf": []js{{"required": []string{"url"}}, {"required": []string{"address"}}, {"required": []string{"addresses"}}}}},
	}
	top := js{
		"version": js{"type": []string{"string", "integer"}, "description": "1"},
		"link":    js{"type": "string", "description": "a URL with {id}, where the conversation id goes"},
		"masking": boolean,
		"nlu": obj("nlu", nluKeys, js{
			"analyser": js{"type": "string", "description": "builtin, llm, hybrid"},
			"analyzer": js{"type": "string", "description": "the same as analyser"},
			"llm": obj("nlu.llm", llmKeys, js{"base_url": str, "model": str, "api_key": str, "timeout": duration, "max_tokens": js{"type": "integer", "minimum": minLLMTokens, "maximum": maxLLMTokens},
				"reasoning_effort": js{"enum": llm.ReasoningEfforts, "description": "sent to OpenAI's reasoning models only (default low)"},
				"calls_per_conversation_hour": js{"type": "integer", "minimum": 1, "maximum": maxLLMConversationCalls,
					"description": "model calls one conversation may make per hour; past it the built-in analyser answers (default 60)"}}),
		}),
		"connectors": obj("connectors", connectorsKeys, js{
			"default": str,
			"zendesk": obj("connectors.zendesk", zendeskKeys, js{
				"subdomain": str, "base_url": str, "email": str, "token": str, "oauth_token": str, "requester_updates": boolean,
				"groups": strMap, "fields": fields, "conversation_field": scalar, "tags": strList,
			}),
			"freshdesk": obj("connectors.freshdesk", freshdeskKeys, js{
				"domain": str, "base_url": str, "api_key": str, "groups": strMap, "fields": fields, "conversation_field": str,
				"tags": strList, "search_window": duration, "unique_external_id": boolean,
			}),
			"webhook": obj("connectors.webhook", webhookKeys, js{"url": str, "secret": str, "media_url": str, "media_link_ttl": duration}),
		}),
		"teams": mapOf(obj("a team", teamKeys, js{
			"name": str, "connector": str, "hours": hours, "out_of_hours": ooh, "email": str,
			"strategy": js{"type": "string", "enum": []string{"round-robin", "least-loaded", "skills"}},
			"agents": listOf(js{"anyOf": []js{str, obj("an agent", agentKeys, js{
				"id": str, "name": str, "skills": strList, "languages": strList, "zendesk_id": scalar, "freshdesk_id": scalar,
			})}}),
			"sla": sla,
		})),
		"routing": obj("routing", routingKeys, js{
			"default_team": str, "override": boolean, "out_of_hours": ooh, "intent_skills": mapOf(strList),
			"rules": listOf(obj("a routing rule", routingRuleKeys, js{
				"name": str, "when": when, "team": str, "connector": str, "priority": prio, "skills": strList, "tags": strList,
			})),
		}),
		"priority": obj("priority", priorityKeys, js{
			"score":      js{"type": "string", "description": "an expression giving a number"},
			"thresholds": obj("priority.thresholds", thresholdKeys, js{"urgent": js{"type": "number"}, "high": js{"type": "number"}, "normal": js{"type": "number"}}),
		}),
		"sla": sla,
		"notify": obj("notify", notifyKeys, js{
			"slack": str, "teams": str, "teams_format": js{"type": "string", "enum": []string{"adaptive", "messagecard"}}, "min_priority": prio,
		}),
		"messages": js{"type": "object", "properties": msgProps, "additionalProperties": false},
		"delivery": obj("delivery", deliveryKeys, js{"append_window": duration, "appends_per_minute": js{"type": "integer"}, "call_timeout": duration, "max_attachment": js{"type": "integer", "minimum": 1024}, "workers": js{"type": "integer", "minimum": 1, "maximum": 64}}),
		"server": obj("server", serverKeys, js{
			"listen": str, "shutdown_timeout": duration, "workers": js{"type": "integer"}, "http_timeout": duration,
			"http_max_response": js{"type": "integer"}, "max_message": js{"type": "integer", "minimum": 256, "maximum": 65536}, "lease": duration, "version_grace": duration, "hosts": strList,
		}),
		"store": store,
		// The keys each account requires are the decoder's (require); a
		// single account may be written without the list.
		"channels": obj("channels", channelsKeys, js{
			"whatsapp": accounts(obj("a WhatsApp number", whatsappKeys, js{
				"phone_number_id": scalar, "flow": str, "access_token": str, "app_secret": str, "verify_token": str,
				"graph_url": str, "api_version": str, "template": str, "template_language": str, "typing_after": duration,
			}, "phone_number_id", "flow", "access_token", "app_secret", "verify_token")),
			"telegram": accounts(obj("a Telegram bot", telegramKeys, js{"name": str, "flow": str, "token": str, "secret_token": str, "api_url": str,
				"typing_after": duration}, "name", "flow", "token", "secret_token")),
			"web": accounts(obj("a web widget", webKeys, js{"name": str, "flow": str}, "flow")),
		}),
		"bridge": obj("bridge", bridgeKeys, js{
			"zendesk": secret("signing_secret"), "freshdesk": secret("secret"), "webhook": secret("secret"),
			"timestamp_window": duration, "dedupe_ttl": duration,
		}),
	}
	top["events"] = obj("events", eventsKeys, js{
		"file": str, "rotate_size": js{"type": "integer", "minimum": 1024}, "rotate_daily": boolean, "text": boolean,
		"salt": str, "webhook": str, "secret": str, "stream": str, "max_len": js{"type": "integer", "minimum": 1000},
	})
	root := obj("a deployment config", topKeys, top)
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = SchemaID
	root["title"] = "Baton deployment config"
	root["description"] = "A Baton deployment config (baton.yaml): helpdesk connectors, teams, routing, serve's server, store, channels and bridge."
	return root
}
