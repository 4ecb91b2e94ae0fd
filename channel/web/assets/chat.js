// Baton's web chat: posts the customer's messages to api/messages and
// shows the conversation from the api/events stream. No dependencies.
"use strict";
(function () {
  // Each widget keeps its own conversation: two on one site (two flows,
  // perhaps two businesses' behind one proxy) must not share a contact,
  // nor learn each other's conversation id, its credential. An id kept
  // before widgets had keys of their own (LEGACY) still opens its
  // conversation, in whichever widget the customer used it.
  const LEGACY = "baton.conversation";
  const KEY = LEGACY + "." + (document.getElementById("chat").dataset.widget || "site");
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const status = document.getElementById("status");
  const typing = document.getElementById("typing");
  // A browser that blocks site data throws on localStorage: the
  // conversation then lives as long as the page.
  function stored() { try { return localStorage.getItem(KEY) || localStorage.getItem(LEGACY) || ""; } catch (e) { return ""; } }
  function store(id) { try { localStorage.setItem(KEY, id); } catch (e) { /* kept by the page only */ } }
  // A conversation drawn for a first message no post has reached yet: a
  // reload shows the hint, not an empty chat, and sends into it. Cleared
  // by the first accepted post or message shown, in any tab.
  const PENDING = KEY + ".pending";
  function pending() { try { return localStorage.getItem(PENDING) || ""; } catch (e) { return ""; } }
  function setPending(id) {
    try { if (id) localStorage.setItem(PENDING, id); else localStorage.removeItem(PENDING); } catch (e) { /* the page only */ }
  }
  function started() { if (conversation && pending() === conversation) setPending(""); }
  let conversation = stored();
  if (conversation) store(conversation); // an id kept before, now the widget's
  let events = null;
  let lastEvent = ""; // the id of the last event shown, to resume after
  let pressed = false; // a menu's button had the focus when it was pressed
  let claiming = null; // the claim of a first message's conversation
  // The typing indicator: shown from a message's post until the first
  // bot's message after its echo, an error, or TYPING_MS (a flow may not
  // answer at all). Not while an agent, a person, is the one answering.
  const TYPING_MS = 20000;
  const CLAIM_MS = 5000; // the longest a first message waits for IndexedDB
  let waiting = ""; // the page's id of the message awaiting its answer
  let echoed = false; // its echo is shown: the next reply answers it
  let typingTimer = 0;
  let lastFrom = ""; // who wrote the last reply: bot or agent

  function newID() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  function startTyping(id) {
    if (lastFrom === "agent") return;
    waiting = id;
    echoed = false;
    typing.textContent = "Typing…";
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, TYPING_MS);
  }

  function stopTyping() {
    waiting = "";
    echoed = false;
    clearTimeout(typingTimer);
    typing.textContent = "";
  }

  // The browser's other tabs of the conversation show the indicator too:
  // the sending tab tells them when a message is posted and when it could
  // not be sent; each takes it away on the reply, as the sender does.
  let tabs = null;
  try { tabs = new BroadcastChannel(KEY); } catch (e) { /* an older browser: this tab only */ }
  function tell(what) { if (tabs) try { tabs.postMessage(Object.assign({ conversation }, what)); } catch (e) { /* closing */ } }
  if (tabs) tabs.onmessage = (e) => {
    const d = e.data || {};
    if (!d.conversation || d.conversation !== (conversation || stored())) return;
    if (d.stopped) {
      if (waiting === d.stopped) stopTyping();
      return;
    }
    if (!d.typing) return;
    // Its echo may have come first, and the reply after it too.
    let echo = null;
    for (const li of log.querySelectorAll("li.user")) if (li.dataset.id === d.typing) echo = li;
    let next = echo && echo.nextElementSibling;
    while (next && next.classList.contains("user")) next = next.nextElementSibling;
    if (next) return;
    startTyping(d.typing);
    if (echo && waiting === d.typing) echoed = true;
  };

  function show(m) {
    started();
    if (m.from === "user") {
      if (waiting && m.id === waiting) echoed = true;
    } else {
      lastFrom = m.from;
      if (echoed) stopTyping();
    }
    const li = document.createElement("li");
    li.className = m.from;
    li.dir = "auto"; // Hebrew or Arabic reads right to left
    if (m.id) li.dataset.id = m.id;
    if (m.agent) li.dataset.agent = m.agent;
    li.textContent = m.text || "";
    // The customer has spoken since the menus shown: they are answered
    // (a reloaded page replays the conversation).
    if (m.from === "user") for (const old of log.querySelectorAll(".options button")) old.disabled = true;
    let refocus = null;
    if (m.options && m.options.length) {
      // A disabled button loses the focus: a keyboard user who pressed
      // one goes on from the new menu's first button.
      const idle = !document.activeElement || document.activeElement === document.body;
      const had = (pressed && idle) || (!idle && document.activeElement.closest("#log .options") !== null);
      pressed = false;
      for (const old of log.querySelectorAll(".options button")) old.disabled = true;
      const row = document.createElement("div");
      row.className = "options";
      for (const o of m.options) {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = o.title;
        if (o.description) { // shown, not a tooltip: a phone has none
          const d = document.createElement("small");
          d.textContent = o.description;
          b.appendChild(d);
        }
        b.dataset.id = o.id;
        b.addEventListener("click", async () => {
          // One choice per tap: a second tap of a double tap would reach
          // the flow in its next state. The menu comes back if the post
          // fails.
          pressed = document.activeElement === b;
          for (const x of row.children) x.disabled = true;
          if (!(await send({ payload: o.id, label: o.title }))) {
            for (const x of row.children) x.disabled = false;
            if (pressed && document.activeElement === document.body) b.focus();
            pressed = false;
          }
        });
        row.appendChild(b);
      }
      li.appendChild(row);
      if (had) refocus = row.firstChild;
    }
    log.appendChild(li);
    if (refocus) refocus.focus();
    log.scrollTop = log.scrollHeight;
  }

  function listen() {
    if (events || !conversation) return;
    let url = "api/events?conversation=" + encodeURIComponent(conversation);
    if (lastEvent) url += "&last_event_id=" + encodeURIComponent(lastEvent);
    else log.replaceChildren();
    const es = new EventSource(url);
    events = es;
    es.addEventListener("message", (e) => { lastEvent = e.lastEventId; show(JSON.parse(e.data)); });
    es.addEventListener("retract", (e) => {
      lastEvent = e.lastEventId;
      const id = JSON.parse(e.data).id;
      if (id === waiting) echoed = false; // posted again: its echo comes again
      for (const li of log.querySelectorAll("li.user")) if (li.dataset.id === id) li.remove();
    });
    es.onopen = () => { status.textContent = "online"; status.className = "online"; };
    es.onerror = () => {
      status.textContent = "reconnecting…"; status.className = "";
      // EventSource gives up for good when a reconnection is answered
      // anything but 200 (a proxy's 502 during a restart, a 503, a 429):
      // open the stream again, after the last event shown.
      if (es.readyState === EventSource.CLOSED && events === es) {
        events = null;
        setTimeout(listen, 5000);
      }
    };
  }

  // The conversation of a first message: the one stored (another tab
  // started it since this page loaded), else a new one, stored before it
  // is posted, so that a tab sending at the same instant joins it rather
  // than starting a second one. The read and the store are one IndexedDB
  // transaction, which the browser runs one at a time across its tabs and
  // processes (localStorage is not enough: each process keeps its own copy,
  // synchronised later); the id is then copied to localStorage, which the
  // page reads when it loads. Where IndexedDB is blocked or fails, the
  // claim is made in localStorage alone.
  function pick() {
    let id = stored();
    if (!id) {
      id = newID();
      setPending(id);
    }
    store(id);
    return id;
  }

  function claimShared() {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open("baton", 1);
      open.onupgradeneeded = () => open.result.createObjectStore("claims");
      open.onerror = () => reject(open.error);
      open.onblocked = () => reject(new Error("IndexedDB blocked"));
      open.onsuccess = () => {
        const db = open.result;
        let id = "";
        try {
          const tx = db.transaction("claims", "readwrite");
          const claims = tx.objectStore("claims");
          const get = claims.get(KEY);
          get.onsuccess = () => {
            id = typeof get.result === "string" && get.result ? get.result : stored();
            if (!id) {
              id = newID();
              setPending(id); // before another tab can read the claim
            }
            if (id !== get.result) claims.put(id, KEY);
          };
          tx.oncomplete = () => { db.close(); resolve(id); };
          tx.onerror = tx.onabort = () => { db.close(); reject(tx.error); };
        } catch (e) {
          db.close();
          reject(e);
        }
      };
    });
  }

  async function claim() {
    let id = "";
    try {
      // A browser whose IndexedDB never answers (it happens) falls back too.
      id = await Promise.race([claimShared(), new Promise((ok, fail) => setTimeout(fail, CLAIM_MS))]);
    } catch (e) { /* blocked, failed or too slow: localStorage alone */ }
    if (!id) return pick();
    store(id);
    return id;
  }

  async function send(msg) {
    // A new conversation's id is chosen here, so that a retry after a
    // lost answer goes to the same conversation, where the Inbox drops it.
    // One claim per page, however many sends wait for it.
    if (!conversation) conversation = await (claiming = claiming || claim());
    msg.conversation = conversation;
    msg.id = newID();
    startTyping(msg.id);
    if (waiting === msg.id) tell({ typing: msg.id });
    const failed = () => {
      if (waiting === msg.id) stopTyping();
      tell({ stopped: msg.id });
      return false;
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const r = await fetch("api/messages", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(msg),
        });
        if (r.ok) {
          started();
          listen();
          return true;
        }
        if (r.status < 500) {
          status.textContent = (await r.text()).trim();
          return failed();
        }
      } catch (e) { /* offline: retry with the same id, never twice processed */ }
      await new Promise((ok) => setTimeout(ok, 1000 * (attempt + 1)));
    }
    status.textContent = "could not send; try again";
    return failed();
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    // Not sent: the text comes back, before what was typed since.
    if (!(await send({ text }))) input.value = input.value ? text + " " + input.value : text;
  });

  // Another tab of the page started the conversation: show it here too.
  // Not while its first message is still unsent: that tab may fail too.
  window.addEventListener("storage", (e) => {
    if (e.key === KEY && e.newValue && !conversation) conversation = e.newValue;
    if ((e.key === KEY || e.key === PENDING) && conversation && pending() !== conversation) listen();
  });

  if (conversation && pending() !== conversation) {
    listen();
  } else {
    const hint = document.createElement("li");
    hint.className = "hint";
    hint.textContent = "Write a message to start.";
    log.appendChild(hint);
  }
})();
