// The inspector (each step: the input, the NLU signals, the checks, the
// variables, counters and lifecycle, the effects), the handoffs pane and
// the YAML of a state.
import { useState } from "preact/hooks";
import { html, pretty, hhmm } from "./util.js";

export function Inspector({ state, selected, onSelect }) {
  const steps = state.steps;
  if (steps.length === 0) {
    return html`<div id="inspector" class="empty">Each step of the conversation shows here: write to the bot to start.</div>`;
  }
  const i = selected >= 0 && selected < steps.length ? selected : steps.length - 1;
  const st = steps[i];
  return html`
    <div id="inspector">
      <ol class="steps">
        ${steps.map((s) => html`
          <li class=${"step" + (s.index === i ? " active" : "") + (s.problems.length ? " problem" : "")} data-index=${s.index}
              onClick=${() => onSelect(s.index)} title=${s.kind + ": " + s.value}>
            <span class="n">${s.index + 1}</span> <span class="k">${s.kind}</span> ${stepValue(s)}
          </li>`)}
      </ol>
      <${StepDetail} st=${st} />
    </div>`;
}

function stepValue(s) {
  const v = s.label || s.value;
  return v.length > 28 ? v.slice(0, 27) + "…" : v;
}

function StepDetail({ st }) {
  return html`
    <div class="step-detail" data-index=${st.index}>
      <h3>Step ${st.index + 1}: ${st.kind} <code>${st.label ? st.label + " (" + st.value + ")" : st.value}</code> <small>at ${hhmm(st.at)}</small></h3>
      ${st.problems.length > 0 && html`<ul class="problems">${st.problems.map((p) => html`<li>${p}</li>`)}</ul>`}
      <dl class="facts">
        <dt>State</dt><dd class="state">${st.state || "(not started)"}</dd>
        <dt>Lifecycle</dt><dd class=${"lifecycle " + st.lifecycle}>${st.lifecycle}</dd>
        <dt>Counters</dt><dd>no-match ${st.counters.no_match} · turns ${st.counters.turns} · timers pending ${st.counters.timers}</dd>
      </dl>
      ${st.turns.map((t, k) => html`<${Turn} key=${k} t=${t} n=${k} of=${st.turns.length} />`)}
      <h4>Variables</h4>
      <table class="vars">
        <tbody>${Object.keys(st.vars).sort().map((k) => html`
          <tr class=${st.changed.includes(k) ? "changed" : ""}><th>${k}</th><td><code>${short(st.vars[k])}</code></td></tr>`)}</tbody>
      </table>
    </div>`;
}

function short(v) {
  const s = JSON.stringify(v);
  return s && s.length > 160 ? s.slice(0, 159) + "…" : s;
}

function Turn({ t, n, of }) {
  const tr = t.trace;
  return html`
    <section class="turn">
      <h4>${of > 1 ? `Turn ${n + 1}: ` : "Turn: "}${t.input}${tr && tr.state ? html` <small>in ${tr.state}</small>` : ""}</h4>
      ${t.signals && html`<${Signals} s=${t.signals} entities=${t.entities} inspected=${t.inspected} analysed=${tr && tr.analysed} />`}
      ${!t.signals && t.entities.length > 0 && html`<${Entities} list=${t.entities} />`}
      ${tr && tr.checks.length > 0 && html`
        <table class="checks">
          <thead><tr><th></th><th>checked</th><th>result</th></tr></thead>
          <tbody>${tr.checks.map((c) => html`
            <tr class=${c.fired ? "fired" : "missed"} data-kind=${c.kind} data-name=${c.name}>
              <td class="mark">${c.fired ? "✓" : "✗"}</td>
              <td><span class="badge">${c.kind}</span> ${c.name}${c.state ? html` <small>in ${c.state}</small>` : ""}${c.pos ? html`<div class="pos">${c.pos}</div>` : ""}</td>
              <td>${c.fired ? (c.by ? `${c.by}${c.match ? ": " + c.match : ""}` : "held") : c.why}</td>
            </tr>`)}</tbody>
        </table>`}
      ${tr && tr.checks.length === 0 && html`<p class="quiet">No trigger, route or transition was checked in this turn.</p>`}
      <details class="effects" open=${of === 1}>
        <summary>Effects (${t.effects.length})</summary>
        <ol>${t.effects.map((e) => html`<li><span class=${"badge t-" + e.type}>${e.type}</span> <code>${effectText(e)}</code></li>`)}</ol>
      </details>
    </section>`;
}

function effectText(e) {
  const { type, ...rest } = e;
  const s = JSON.stringify(rest);
  return s.length > 300 ? s.slice(0, 299) + "…" : s;
}

function Signals({ s, entities, inspected, analysed }) {
  const pct = Math.round((s.confidence || 0) * 100);
  return html`
    <div class="signals">
      <div class="sig-head">NLU signals ${inspected ? html`<small class="quiet">(computed for the inspector: this turn did not read them)</small>` : analysed ? html`<small>(analysed this turn)</small>` : html`<small class="quiet">(the last analysed message's)</small>`}</div>
      <table>
        <tbody>
          <tr><th>intent</th><td><code class="intent">${s.intent}</code> <span class="bar"><i style=${"width:" + pct + "%"}></i></span> ${pct}%</td></tr>
          ${s.ranking && s.ranking.length > 1 && html`<tr><th>ranking</th><td class="ranking">${s.ranking.slice(0, 4).map((r) => html`<span>${r.intent} ${Math.round(r.score * 100)}%</span>`)}</td></tr>`}
          <tr><th>wants_human</th><td class=${s.wants_human ? "yes" : ""}>${String(s.wants_human)}</td></tr>
          <tr><th>frustrated</th><td class=${s.frustrated ? "yes" : ""}>${String(s.frustrated)} <small class="quiet">(frustration ${(s.frustration || 0).toFixed(2)})</small></td></tr>
          <tr><th>sentiment</th><td>${(s.sentiment || 0).toFixed(2)}</td></tr>
          <tr><th>language</th><td>${s.language || "(unsure)"}</td></tr>
          ${s.source && html`<tr><th>source</th><td>${s.source}${s.fallback ? " (fell back: " + s.fallback + ")" : ""}</td></tr>`}
        </tbody>
      </table>
      ${(entities.length > 0 || (s.entities && Object.keys(s.entities).length > 0)) && html`<${Entities} list=${entities} nlu=${s.entities} />`}
    </div>`;
}

function Entities({ list, nlu }) {
  return html`
    <div class="entities"><span class="sig-head">entities</span>
      ${list.map((e) => html`<span class="entity"><b>${e.kind}</b> ${e.value}${e.text && e.text !== e.value ? html` <small>“${e.text}”</small>` : ""}</span>`)}
      ${nlu && Object.entries(nlu).map(([k, vs]) => vs.map((v) => html`<span class="entity nlu"><b>${k}</b> ${v}</span>`))}
    </div>`;
}

export function Handoffs({ state }) {
  if (state.handoffs.length === 0) {
    return html`<div id="handoffs" class="empty">No handoff yet. When the flow hands the customer to a person, the routing decision and every request each helpdesk connector would send show here${state.flow.config ? "" : html` (start the sandbox with <code>--config baton.yaml</code> to see the connectors' requests)`}.</div>`;
  }
  return html`<div id="handoffs">${state.handoffs.map((h) => html`<${Handoff} key=${h.id} h=${h} config=${state.flow.config} />`)}</div>`;
}

function Handoff({ h, config }) {
  const r = h.route;
  return html`
    <article class="handoff" data-id=${h.id}>
      <h3>Handoff <code>${h.id}</code> <small>step ${h.step + 1}</small></h3>
      <p class="summary">reason <b>${h.reason}</b> → team <b>${h.team || "(none)"}</b>, priority <b>${h.priority}</b></p>
      ${r && html`
        <h4>Routing decision</h4>
        <dl class="route">
          ${["team", "team_name", "rule", "connector", "group", "agent", "priority", "score", "sla", "in_hours", "out_of_hours", "next_open", "open_ticket", "message"]
            .filter((k) => r[k] !== undefined && r[k] !== "").map((k) => html`<dt>${k}</dt><dd>${String(r[k])}</dd>`)}
          ${r.tags && html`<dt>tags</dt><dd>${r.tags.join(", ")}</dd>`}
          ${r.warnings && html`<dt>warnings</dt><dd class="warn">${r.warnings.join("; ")}</dd>`}
        </dl>`}
      <h4>Requests${config ? "" : " (no deployment config: none)"}</h4>
      ${h.requests.length === 0 && html`<p class="quiet">${config ? "No request: the routing opened no ticket." : "Start the sandbox with --config baton.yaml to see what Zendesk, Freshdesk or a webhook would get."}</p>`}
      ${h.requests.map((q, i) => html`<${Request} key=${i} q=${q} open=${i === h.requests.length - 1 || q.op === "open"} />`)}
      <details class="payload"><summary>The handoff as the engine hands it over</summary><pre>${pretty(h.payload)}</pre></details>
    </article>`;
}

function Request({ q, open }) {
  return html`
    <details class="request" data-op=${q.op} data-connector=${q.connector} open=${open}>
      <summary><span class="badge">${q.connector} ${q.op}</span> <code class="request-line">${q.method} ${q.url}</code> <small>step ${q.step + 1}</small></summary>
      <pre>${q.text}</pre>
    </details>`;
}

export function Source({ src, onClose }) {
  if (!src) return null;
  return html`
    <aside id="source" aria-label=${"The YAML of " + src.state}>
      <header><strong>${src.state}</strong> <code id="source-pos">${src.pos}</code>
        <button type="button" class="close" onClick=${onClose} aria-label="Close">✕</button></header>
      ${src.error ? html`<p class="problems">${src.error}</p>` : html`
        <pre class="yaml">${src.lines.map((l) => html`<span class="line"><span class="ln">${l.n}</span>${l.text + "\n"}</span>`)}</pre>`}
    </aside>`;
}
