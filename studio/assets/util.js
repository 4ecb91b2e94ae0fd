// Small helpers shared by the sandbox page's modules.
import { h } from "preact";
import htm from "htm";

export const html = htm.bind(h);

// api posts an action to the sandbox and returns the new state, or throws
// the server's error message.
export async function api(path, body) {
  const r = await fetch("api/" + path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body || {}),
  });
  const data = await r.json().catch(() => ({ error: r.statusText }));
  if (!r.ok) {
    const err = new Error(data.error || r.statusText);
    err.status = r.status;
    err.data = data;
    throw err;
  }
  return data;
}

export async function getJSON(path) {
  const r = await fetch("api/" + path);
  const data = await r.json().catch(() => ({ error: r.statusText }));
  if (!r.ok) throw new Error(data.error || r.statusText);
  return data;
}

// time shows an RFC 3339 time as the flow's local clock reads it: the
// server sends times already in the flow's zone, so the wall-clock part
// of the string is what to show.
export function clockParts(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(s || "");
  if (!m) return null;
  return { y: +m[1], mo: +m[2], d: +m[3], h: m[4], mi: m[5], s: m[6] || "00" };
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function hhmm(s) {
  const p = clockParts(s);
  return p ? `${p.h}:${p.mi}` : "";
}

export function longTime(s) {
  const p = clockParts(s);
  if (!p) return "";
  const wd = DAYS[new Date(Date.UTC(p.y, p.mo - 1, p.d)).getUTCDay()];
  return `${wd} ${p.d} ${MONTHS[p.mo - 1]} ${p.y}, ${p.h}:${p.mi}`;
}

// localInput is a time as a datetime-local input's value.
export function localInput(s) {
  const p = clockParts(s);
  if (!p) return "";
  return `${p.y}-${String(p.mo).padStart(2, "0")}-${String(p.d).padStart(2, "0")}T${p.h}:${p.mi}`;
}

export function pretty(v) {
  return JSON.stringify(v, null, 2);
}

// formatWhatsApp renders WhatsApp's text formatting (*bold*, _italic_,
// ~strike~, ```mono```) and links, as the app does, into Preact nodes.
export function formatText(text, rich) {
  const out = [];
  const lines = String(text || "").split("\n");
  lines.forEach((line, i) => {
    if (i > 0) out.push(html`<br />`);
    out.push(...inline(line, rich));
  });
  return out;
}

const TOKEN = /(```[^`]+```|\*[^*\s][^*]*\*|_[^_\s][^_]*_|~[^~\s][^~]*~|https?:\/\/[^\s]+)/g;

function inline(line, rich) {
  if (!rich) return linkify(line);
  const out = [];
  let last = 0;
  for (const m of line.matchAll(TOKEN)) {
    if (m.index > last) out.push(line.slice(last, m.index));
    const t = m[0];
    if (t.startsWith("```")) out.push(html`<code>${t.slice(3, -3)}</code>`);
    else if (t.startsWith("*")) out.push(html`<strong>${t.slice(1, -1)}</strong>`);
    else if (t.startsWith("_")) out.push(html`<em>${t.slice(1, -1)}</em>`);
    else if (t.startsWith("~")) out.push(html`<s>${t.slice(1, -1)}</s>`);
    else out.push(html`<a href=${t} target="_blank" rel="noopener noreferrer">${t}</a>`);
    last = m.index + t.length;
  }
  if (last < line.length) out.push(line.slice(last));
  return out;
}

function linkify(line) {
  const out = [];
  let last = 0;
  for (const m of line.matchAll(/https?:\/\/[^\s]+/g)) {
    if (m.index > last) out.push(line.slice(last, m.index));
    out.push(html`<a href=${m[0]} target="_blank" rel="noopener noreferrer">${m[0]}</a>`);
    last = m.index + m[0].length;
  }
  if (last < line.length) out.push(line.slice(last));
  return out;
}
