// Baton's web sandbox: talk to a flow as a customer, and see what the
// engine did. The server keeps the conversation (see package studio); the
// page shows its state and posts the designer's actions.
import { render } from "preact";
import { useState, useEffect, useRef, useCallback } from "preact/hooks";
import { html, api, getJSON, longTime, localInput, hhmm } from "./util.js";
import { Chat } from "./chat.js";
import { Graph } from "./graph.js";
import { Inspector, Handoffs, Source } from "./inspector.js";

const CHANNELS = { whatsapp: "WhatsApp", telegram: "Telegram", web: "Web" };

function App() {
  const [state, setState] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [selected, setSelected] = useState(-1);
  const [tab, setTab] = useState("inspector");
  const [src, setSrc] = useState(null);
  const version = useRef(-1);

  const show = useCallback((s) => {
    if (s.version < version.current) return;
    version.current = s.version;
    setState(s);
  }, []);
  const refresh = useCallback(() => getJSON("state").then(show).catch((e) => setError(e.message)), [show]);

  useEffect(() => {
    refresh();
    const es = new EventSource("api/events");
    es.addEventListener("version", (e) => { if (+e.data > version.current) refresh(); });
    return () => es.close();
  }, []);

  // act posts an action; the answer is the new state.
  const act = async (path, body, after) => {
    setBusy(true);
    setError("");
    try {
      const s = await api(path, body);
      show(s);
      setSelected(-1);
      if (after) after(s);
    } catch (e) {
      setError(e.message);
    } finally {
      setBusy(false);
    }
  };

  const pick = async (id) => {
    try {
      setSrc(await getJSON("source?state=" + encodeURIComponent(id)));
    } catch (e) {
      setSrc({ state: id, pos: "", error: e.message, lines: [] });
    }
  };

  if (!state) return html`<p class="loading">${error || "Loading the sandbox…"}</p>`;
  const f = state.flow;
  return html`
    <header class="top">
      <h1>Baton sandbox <span class="flow">${f.name}${f.version ? " v" + f.version : ""}</span> <code class="path">${f.path}</code></h1>
      <div class="channels" role="group" aria-label="Channel">
        ${state.channels.map((c) => html`<button type="button" class="channel" data-channel=${c} aria-pressed=${state.setup.channel === c}
            disabled=${busy} onClick=${() => act("setup", { channel: c })}>${CHANNELS[c] || c}</button>`)}
      </div>
      <label class="lang">Language <select id="lang" disabled=${busy} value=${state.setup.lang} onChange=${(e) => act("setup", { lang: e.target.value })}>
        ${f.languages.map((l) => html`<option value=${l}>${l}</option>`)}</select></label>
      <${SaveTest} state=${state} busy=${busy} />
      <button type="button" id="reset" disabled=${busy} onClick=${() => act("reset")}>Reset</button>
    </header>
    ${(state.notice || error) && html`<div class=${"notice" + (error ? " error" : "")} role="status">${error || state.notice}</div>`}
    ${f.diagnostics.length > 0 && html`
      <div id="diagnostics" class=${f.errors ? "errors" : "warnings"}>
        <strong>${f.errors ? "The flow on disk has errors: the conversation runs the version loaded before." : "Warnings:"}</strong>
        <ul>${f.diagnostics.map((d) => html`<li class=${d.severity}><code>${d.text}</code>${d.detail && html`<div class="detail">${d.detail}</div>`}</li>`)}</ul>
      </div>`}
    ${f.config_error && html`<div class="notice error">The deployment config has errors: ${f.config_error}</div>`}
    <main class="panes" data-busy=${busy ? "true" : "false"}>
      <div class="col chat-col">
        <${Chat} state=${state} busy=${busy} selected=${selected}
          onSend=${(text) => act("message", { text })}
          onButton=${(id, label) => act("button", { id, label })}
          onSelectStep=${(i) => { setSelected(i); setTab("inspector"); }} />
        <${Controls} state=${state} busy=${busy} act=${act} />
      </div>
      <div class="col graph-col">
        <${Graph} graph=${state.graph} current=${state.state} path=${state.path} picked=${src && src.state} onPick=${pick} />
        <${Source} src=${src} onClose=${() => setSrc(null)} />
      </div>
      <div class="col side-col">
        <div class="tabs" role="tablist">
          <button type="button" role="tab" id="tab-inspector" aria-selected=${tab === "inspector"} onClick=${() => setTab("inspector")}>Inspector</button>
          <button type="button" role="tab" id="tab-handoffs" aria-selected=${tab === "handoffs"} onClick=${() => setTab("handoffs")}>
            Handoffs${state.handoffs.length ? html` <span class="count">${state.handoffs.length}</span>` : ""}</button>
        </div>
        <div class="tab-body">
          ${tab === "inspector" ? html`<${Inspector} state=${state} selected=${selected} onSelect=${setSelected} />` : html`<${Handoffs} state=${state} />`}
        </div>
      </div>
    </main>`;
}

// Controls: the clock, the customer's profile and the agent's side.
function Controls({ state, busy, act }) {
  const [at, setAt] = useState(localInput(state.clock));
  useEffect(() => setAt(localInput(state.clock)), [state.clock]);
  const p = state.setup.profile;
  const [prof, setProf] = useState(p);
  useEffect(() => setProf(state.setup.profile), [JSON.stringify(p)]);
  const [agent, setAgent] = useState("");
  const next = state.timers[0];
  const withAgent = state.lifecycle === "handed_off" || state.lifecycle === "with_agent";
  return html`
    <section id="controls" aria-label="Controls">
      <fieldset class="clock">
        <legend>Clock</legend>
        <div id="clock-now" class="now">${longTime(state.clock)} <small>${state.zone}</small></div>
        <div class="row">
          <input id="clock-input" type="datetime-local" value=${at} onInput=${(e) => setAt(e.target.value)} aria-label="Date and time" />
          <button type="button" id="clock-set" disabled=${busy} onClick=${() => act("clock", { at })}>Set</button>
        </div>
        <div class="row">
          ${["1m", "10m", "1h", "24h"].map((d) => html`<button type="button" class="clock-advance" data-advance=${d} disabled=${busy}
              onClick=${() => act("clock", { advance: d })}>+${d}</button>`)}
        </div>
        ${next ? html`<button type="button" id="clock-next" disabled=${busy} onClick=${() => act("clock", { at: next.at })}
            title=${next.key}>⏭ Next timeout at ${hhmm(next.at)} (in ${next.in})</button>`
          : html`<p class="quiet">No timeout pending.</p>`}
      </fieldset>
      <fieldset class="profile">
        <legend>Customer</legend>
        <div class="row"><input id="profile-name" placeholder="Name" value=${prof.name} onInput=${(e) => setProf({ ...prof, name: e.target.value })} aria-label="Name" />
          <input id="profile-phone" placeholder="Phone" value=${prof.phone} onInput=${(e) => setProf({ ...prof, phone: e.target.value })} aria-label="Phone" /></div>
        <div class="row"><label><input id="profile-vip" type="checkbox" checked=${prof.vip} onChange=${(e) => setProf({ ...prof, vip: e.target.checked })} /> VIP</label>
          <input id="profile-plan" placeholder="Plan (e.g. premium)" value=${prof.plan} onInput=${(e) => setProf({ ...prof, plan: e.target.value })} aria-label="Plan" />
          <button type="button" id="profile-apply" disabled=${busy} onClick=${() => act("setup", { profile: prof })}>Apply</button></div>
        <button type="button" id="customer-close" disabled=${busy} onClick=${() => act("close")}>The customer closes the chat</button>
      </fieldset>
      <fieldset class="agent">
        <legend>Agent ${withAgent ? "" : html`<small>(after a handoff)</small>`}</legend>
        <textarea id="agent-text" rows="2" placeholder="The agent's reply" value=${agent} onInput=${(e) => setAgent(e.target.value)} aria-label="The agent's reply"></textarea>
        <div class="row">
          <button type="button" id="agent-reply" disabled=${busy || !agent.trim()} onClick=${() => act("agent", { text: agent }, () => setAgent(""))}>Reply</button>
          <button type="button" id="agent-solve" disabled=${busy} onClick=${() => act("ticket", { status: "solved" })}>Solve the ticket</button>
          <button type="button" id="agent-closeticket" disabled=${busy} onClick=${() => act("ticket", { status: "closed" })}>Close it</button>
        </div>
      </fieldset>
    </section>`;
}

function SaveTest({ state, busy }) {
  const [name, setName] = useState("conversation");
  const [saved, setSaved] = useState(null);
  const [err, setErr] = useState("");
  // named checks the name as the server does, and says why it is refused.
  const named = () => {
    setErr("");
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(name.replace(/\.ya?ml$/, ""))) {
      setErr("Name the test with letters, digits, - _ and . (no spaces).");
      return false;
    }
    return true;
  };
  // broken says why no test is written while the flow on disk has errors
  // (the server refuses too): the file would not run.
  const broken = () => {
    if (!state.flow.errors) return false;
    setErr(`${state.flow.path} has errors: a test saved now would not run; fix them (see the diagnostics) and save the test again.`);
    return true;
  };
  const save = async (overwrite) => {
    if (!named() || broken()) return;
    try {
      setSaved(await api("test", { name, overwrite }));
    } catch (e) {
      if (e.status === 409 && !overwrite && confirm(e.message + ": overwrite it?")) return save(true);
      setErr(e.message);
    }
  };
  const none = state.steps.length === 0;
  return html`
    <div class="save">
      <input id="test-name" value=${name} onInput=${(e) => { setName(e.target.value); setErr(""); }} aria-label="Test file name" size="14" />
      <button type="button" id="save-test" disabled=${busy || none} onClick=${() => save(false)} title=${"Write a baton test file to " + state.flow.tests}>Save as test</button>
      <a id="download-test" class=${none ? "disabled" : ""} href=${"api/test.yaml?name=" + encodeURIComponent(name)} download
        onClick=${(e) => { if (!named() || broken()) e.preventDefault(); }}>Download</a>
      ${saved && html`<span id="saved" title=${saved.yaml}>saved <code>${saved.path}</code>: <code>${saved.run}</code></span>`}
      ${err && html`<span class="error">${err}</span>`}
    </div>`;
}

render(html`<${App} />`, document.getElementById("app"));
