// The chat panel: the conversation as the customer sees it on the chosen
// channel. Replies are drawn from the very messages the channel's sender
// would post (WhatsApp Cloud API, Telegram Bot API, the web chat's JSON),
// which the server computes; the limits' effects are noted under them.
import { useState, useRef, useEffect } from "preact/hooks";
import { html, formatText, hhmm } from "./util.js";

const TITLES = { whatsapp: "WhatsApp", telegram: "Telegram", web: "Web chat" };

export function Chat({ state, busy, onSend, onButton, onSelectStep, selected }) {
  const ch = state.setup.channel;
  const log = useRef(null);
  const [sheet, setSheet] = useState(null); // an open WhatsApp list
  useEffect(() => {
    if (log.current) log.current.scrollTop = log.current.scrollHeight;
  }, [state.messages.length, ch]);
  const lastMenu = lastMenuIndex(state.messages);
  const tap = (id, label) => { setSheet(null); onButton(id, label); };
  return html`
    <section id="chat" class=${"phone " + ch} aria-label="Chat">
      <header class="phone-head">
        <div class="avatar" aria-hidden="true">${(state.flow.name || "B").slice(0, 1).toUpperCase()}</div>
        <div class="who">
          <strong>${state.flow.name}</strong>
          <small>${TITLES[ch]} · ${state.lifecycle === "bot" ? "bot" : state.lifecycle.replace("_", " ")}</small>
        </div>
      </header>
      <ol class="log" ref=${log}>
        ${state.messages.map((m, i) => html`<${Bubble} key=${i} m=${m} ch=${ch} live=${ch !== "web" || i === lastMenu}
            selected=${m.step === selected} onTap=${tap} onList=${setSheet} onSelect=${() => onSelectStep(m.step)} />`)}
      </ol>
      ${sheet && html`<${ListSheet} list=${sheet} onClose=${() => setSheet(null)} onSend=${tap} />`}
      <${Composer} busy=${busy} ch=${ch} onSend=${onSend} />
    </section>`;
}

function lastMenuIndex(msgs) {
  for (let i = msgs.length - 1; i >= 0; i--) {
    if (msgs[i].options && msgs[i].options.length) return i;
  }
  return -1;
}

function Composer({ busy, ch, onSend }) {
  const [text, setText] = useState("");
  const submit = (e) => {
    e.preventDefault();
    if (!text.trim() || busy) return;
    onSend(text);
    setText("");
  };
  return html`
    <form class="composer" onSubmit=${submit}>
      <input id="composer-text" autocomplete="off" placeholder=${ch === "telegram" ? "Message" : "Type a message"}
        value=${text} onInput=${(e) => setText(e.target.value)} aria-label="The customer's message" />
      <button id="composer-send" type="submit" disabled=${busy || !text.trim()} aria-label="Send">➤</button>
    </form>`;
}

function Bubble({ m, ch, live, selected, onTap, onList, onSelect }) {
  if (m.from === "system") {
    return html`<li class=${"msg system " + m.kind} data-step=${m.step} onClick=${onSelect}><span>${m.text}</span></li>`;
  }
  const cls = `msg ${m.from}${selected ? " selected" : ""}`;
  if (m.from === "user") {
    return html`
      <li class=${cls} data-step=${m.step} data-kind=${m.kind} onClick=${onSelect}>
        <div class="bubble out">${m.kind === "button" ? html`<span class="tapped" title=${"payload " + m.payload}>${m.text}</span>` : formatText(m.text, ch === "whatsapp")}
          <span class="meta">${hhmm(m.at)}${ch === "whatsapp" ? html`<span class="ticks" aria-label="read">✓✓</span>` : ""}</span></div>
      </li>`;
  }
  const parts = m.channel && m.channel.length ? m.channel : [null];
  return html`
    <li class=${cls} data-step=${m.step} onClick=${onSelect}>
      ${m.from === "agent" && html`<div class="annot">from the agent${m.agent && m.agent !== "agent" ? " " + m.agent : ""} (the customer sees it from the business)</div>`}
      ${parts.map((p, i) => html`<${Part} key=${i} ch=${ch} p=${p} m=${m} live=${live} onTap=${onTap} onList=${onList} />`)}
      ${m.notes && m.notes.map((n) => html`<div class="note" title="How the channel's limits shape this reply">ⓘ ${n}</div>`)}
    </li>`;
}

// Part draws one message the channel sends.
function Part({ ch, p, m, live, onTap, onList }) {
  const at = html`<span class="meta">${hhmm(m.at)}</span>`;
  if (ch === "whatsapp" && p) {
    if (p.type === "interactive") {
      const it = p.interactive;
      if (it.type === "button") {
        return html`
          <div class="wa-interactive">
            <div class="bubble in">${formatText(it.body.text, true)}${at}</div>
            <div class="wa-buttons">
              ${it.action.buttons.map((b) => html`<button type="button" data-id=${b.reply.id} disabled=${!live}
                  onClick=${(e) => { e.stopPropagation(); onTap(b.reply.id, b.reply.title); }}>↩ ${b.reply.title}</button>`)}
            </div>
          </div>`;
      }
      if (it.type === "list") {
        return html`
          <div class="wa-interactive">
            <div class="bubble in">${formatText(it.body.text, true)}${at}
              <button type="button" class="wa-list-open" disabled=${!live}
                onClick=${(e) => { e.stopPropagation(); onList({ button: it.action.button, rows: it.action.sections.flatMap((s) => s.rows) }); }}>☰ ${it.action.button}</button>
            </div>
          </div>`;
      }
    }
    return html`<div class="bubble in">${formatText(p.text ? p.text.body : m.text, true)}${at}</div>`;
  }
  if (ch === "telegram" && p) {
    const kb = p.reply_markup && p.reply_markup.inline_keyboard;
    return html`
      <div class="tg-message">
        <div class="bubble in">${formatText(p.text, false)}${at}</div>
        ${kb && html`<div class="tg-keyboard">${kb.map((row) => html`<div class="tg-row">${row.map((b) => html`
            <button type="button" data-id=${b.callback_data} disabled=${!live}
              onClick=${(e) => { e.stopPropagation(); onTap(b.callback_data, b.text); }}>${b.text}</button>`)}</div>`)}</div>`}
      </div>`;
  }
  // The web chat: the reply as the widget shows it.
  const r = p || m;
  return html`
    <div class="web-message">
      <div class="bubble in">${formatText(r.text, false)}</div>
      ${r.options && r.options.length > 0 && html`<div class="web-options">${r.options.map((o) => html`
          <button type="button" data-id=${o.id} title=${o.description || ""} disabled=${!live}
            onClick=${(e) => { e.stopPropagation(); onTap(o.id, o.title); }}>${o.title}</button>`)}</div>`}
    </div>`;
}

// ListSheet is WhatsApp's list picker: rows with a radio, then Send.
function ListSheet({ list, onClose, onSend }) {
  const [pick, setPick] = useState(null);
  return html`
    <div class="wa-sheet" role="dialog" aria-label=${list.button}>
      <div class="wa-sheet-head"><button type="button" class="close" onClick=${onClose} aria-label="Close">✕</button><strong>${list.button}</strong></div>
      <ul>
        ${list.rows.map((r) => html`
          <li class=${"wa-list-row" + (pick && pick.id === r.id ? " picked" : "")} data-id=${r.id} onClick=${() => setPick(r)}>
            <div><div class="title">${r.title}</div>${r.description && html`<div class="desc">${r.description}</div>`}</div>
            <span class="radio" aria-hidden="true"></span>
          </li>`)}
      </ul>
      <button type="button" class="wa-list-send" disabled=${!pick} onClick=${() => onSend(pick.id, pick.title)}>Send</button>
    </div>`;
}
