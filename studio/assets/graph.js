// The flow graph: laid out by dagre (ranked, top to bottom, as `baton
// graph` draws it) and drawn as SVG, with the current state lit, the
// states and moves of this conversation's path marked, pan and zoom, and
// a click on a state to show its YAML.
import { useMemo, useRef, useState, useEffect } from "preact/hooks";
import dagre from "dagre";
import { html } from "./util.js";

const NODE_H = 34;

function nodeSize(n) {
  if (n.shape === "start") return { width: 30, height: 30 };
  if (n.shape === "end_") return { width: 44, height: 44 };
  const w = Math.max(64, Math.min(260, n.label.length * 7.2 + 28));
  return { width: n.shape === "handoff" || n.shape === "handoff_" ? w + 24 : w, height: NODE_H };
}

function layout(graph) {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "TB", nodesep: 26, ranksep: 48, edgesep: 14, marginx: 24, marginy: 24 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.id, { ...nodeSize(n) });
  graph.edges.forEach((e, i) => {
    const label = e.label || "";
    const w = label ? Math.min(180, label.length * 5.6 + 8) : 0;
    g.setEdge(e.from, e.to, { width: w, height: label ? 14 : 0, labelpos: "c" }, "e" + i);
  });
  dagre.layout(g);
  const nodes = {};
  for (const n of graph.nodes) nodes[n.id] = { ...n, ...g.node(n.id) };
  const edges = graph.edges.map((e, i) => ({ ...e, i, ...g.edge(e.from, e.to, "e" + i) }));
  const gg = g.graph();
  return { nodes, edges, width: gg.width || 400, height: gg.height || 300 };
}

// curve draws dagre's points as a smooth path.
function curve(pts) {
  if (!pts || pts.length === 0) return "";
  let d = `M${pts[0].x},${pts[0].y}`;
  for (let i = 1; i < pts.length - 1; i++) {
    const mx = (pts[i].x + pts[i + 1].x) / 2, my = (pts[i].y + pts[i + 1].y) / 2;
    d += ` Q${pts[i].x},${pts[i].y} ${mx},${my}`;
  }
  const last = pts[pts.length - 1];
  return d + ` L${last.x},${last.y}`;
}

// taken finds the graph's edges this conversation moved along, and the
// moves no edge draws (a jump).
function taken(lay, path) {
  const used = new Set(), jumps = [];
  for (const s of path) {
    if (!s.from) continue;
    let hit = lay.edges.filter((e) => e.from === s.from && e.to === s.to);
    // A move by a flow-wide rule (a trigger, the flow's no-match ladder, a
    // timeout) is drawn from "any state", also where the state has an edge
    // of another kind to the same place.
    const any = lay.edges.filter((e) => e.to === s.to && (e.from === "*" || e.from.endsWith("/*")));
    if (hit.length === 0 || (s.via && !hit.some((e) => e.kind === s.via) && any.some((e) => e.kind === s.via))) hit = any;
    if (hit.length === 0) {
      if (lay.nodes[s.from] && lay.nodes[s.to]) jumps.push(s);
      continue;
    }
    // Parallel edges: the one of the rule that made the move, when known.
    const byRule = hit.filter((e) => e.kind === s.via && (e.label || "").includes(s.rule || ""));
    const byKind = hit.filter((e) => e.kind === s.via);
    used.add((byRule[0] || byKind[0] || hit[0]).i);
  }
  return { used, jumps };
}

export function Graph({ graph, current, path, picked, onPick }) {
  const lay = useMemo(() => layout(graph), [graph.rev, graph.nodes.length, graph.edges.length]);
  const visited = new Set(path.map((s) => s.to));
  const { used, jumps } = taken(lay, path);
  const box = useRef(null);
  const [view, setView] = useState(null); // {x, y, k}
  const drag = useRef(null);

  const fit = () => {
    const el = box.current;
    if (!el) return;
    const k = Math.min(el.clientWidth / lay.width, el.clientHeight / lay.height, 1.2);
    setView({ k, x: (el.clientWidth - lay.width * k) / 2, y: Math.max(0, (el.clientHeight - lay.height * k) / 2) });
  };
  // At first the graph is shown readable (not smaller than 0.8), around
  // the current state, else the start.
  const focus = () => {
    const el = box.current;
    if (!el) return;
    const k = Math.max(0.8, Math.min(el.clientWidth / lay.width, el.clientHeight / lay.height, 1.1));
    const n = lay.nodes[current] || lay.nodes["/start"];
    if (!n || k * lay.width <= el.clientWidth) return fit();
    setView({ k, x: el.clientWidth / 2 - n.x * k, y: Math.min(0, el.clientHeight / 3 - n.y * k) + 10 });
  };
  useEffect(focus, [lay]);
  // Keep the current state in sight.
  useEffect(() => {
    const el = box.current, n = lay.nodes[current];
    if (!el || !n || !view) return;
    const sx = n.x * view.k + view.x, sy = n.y * view.k + view.y;
    if (sx < 40 || sy < 40 || sx > el.clientWidth - 40 || sy > el.clientHeight - 40) {
      setView({ ...view, x: el.clientWidth / 2 - n.x * view.k, y: el.clientHeight / 2 - n.y * view.k });
    }
  }, [current, lay]);

  const zoom = (f, cx, cy) => {
    if (!view) return;
    const el = box.current;
    cx = cx ?? el.clientWidth / 2; cy = cy ?? el.clientHeight / 2;
    const k = Math.max(0.2, Math.min(3, view.k * f));
    setView({ k, x: cx - ((cx - view.x) * k) / view.k, y: cy - ((cy - view.y) * k) / view.k });
  };
  const onWheel = (e) => {
    e.preventDefault();
    const r = box.current.getBoundingClientRect();
    zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - r.left, e.clientY - r.top);
  };
  const onDown = (e) => {
    if (e.button !== 0 || !view) return;
    drag.current = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false };
  };
  const onMove = (e) => {
    const d = drag.current;
    if (!d) return;
    if (Math.abs(e.clientX - d.x) + Math.abs(e.clientY - d.y) > 3) d.moved = true;
    setView({ ...view, x: d.vx + e.clientX - d.x, y: d.vy + e.clientY - d.y });
  };
  const onUp = () => { setTimeout(() => { drag.current = null; }, 0); };
  const pick = (id) => { if (!(drag.current && drag.current.moved)) onPick(id); };

  const v = view || { k: 1, x: 0, y: 0 };
  return html`
    <section id="graph" aria-label="Flow graph">
      <div class="graph-tools">
        <button type="button" onClick=${() => zoom(1.2)} title="Zoom in">+</button>
        <button type="button" onClick=${() => zoom(1 / 1.2)} title="Zoom out">−</button>
        <button type="button" onClick=${fit} title="Fit the whole flow">Fit</button>
        <button type="button" onClick=${focus} title="Show the current state">Current</button>
        <span class="legend"><i class="lg current"></i>current <i class="lg visited"></i>visited <i class="lg taken"></i>path taken</span>
      </div>
      <div class="graph-box" ref=${box} onWheel=${onWheel} onMouseDown=${onDown} onMouseMove=${onMove} onMouseUp=${onUp} onMouseLeave=${onUp}>
        <svg width="100%" height="100%" role="img" aria-label=${"The states of " + graph.start + "'s flow"}>
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead" /></marker>
            <marker id="arrow-taken" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead taken" /></marker>
          </defs>
          <g transform=${`translate(${v.x},${v.y}) scale(${v.k})`}>
            ${lay.edges.map((e) => html`
              <g class=${"edge kind-" + e.kind + (used.has(e.i) ? " taken" : "") + (e.dashed ? " dashed" : "")} data-from=${e.from} data-to=${e.to}>
                <title>${(e.label || e.kind) + (e.pos ? " — " + e.pos : "")}</title>
                <path d=${curve(e.points)} marker-end=${used.has(e.i) ? "url(#arrow-taken)" : "url(#arrow)"} />
                ${e.label && e.x !== undefined && html`<text x=${e.x} y=${e.y + 4} class="edge-label">${clip(e.label, 30)}</text>`}
              </g>`)}
            ${jumps.map((s) => {
              const a = lay.nodes[s.from], b = lay.nodes[s.to];
              return html`<g class="edge jump taken" data-from=${s.from} data-to=${s.to}><title>${"moved " + s.from + " → " + s.to}</title>
                <path d=${`M${a.x},${a.y} Q${(a.x + b.x) / 2 + 40},${(a.y + b.y) / 2} ${b.x},${b.y}`} marker-end="url(#arrow-taken)" /></g>`;
            })}
            ${Object.values(lay.nodes).map((n) => html`<${Node} key=${n.id} n=${n} current=${n.id === current}
                visited=${visited.has(n.id)} picked=${n.id === picked} onPick=${pick} />`)}
          </g>
        </svg>
      </div>
    </section>`;
}

function clip(s, n) {
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
}

function Node({ n, current, visited, picked, onPick }) {
  const cls = `node shape-${n.shape}${current ? " current" : ""}${visited ? " visited" : ""}${picked ? " picked" : ""}`;
  const w = n.width, hh = n.height, x = n.x - w / 2, y = n.y - hh / 2;
  let shape;
  switch (n.shape) {
    case "start":
      shape = html`<circle cx=${n.x} cy=${n.y} r="12" />`;
      break;
    case "handoff":
    case "handoff_": {
      const d = 12;
      shape = html`<polygon points=${`${x + d},${y} ${x + w - d},${y} ${x + w},${n.y} ${x + w - d},${y + hh} ${x + d},${y + hh} ${x},${n.y}`} />`;
      break;
    }
    case "end_":
      // Where a rule that ends the conversation itself leads: a double
      // circle, as `baton graph` draws it.
      shape = html`<circle cx=${n.x} cy=${n.y} r="21" /><circle class="inner" cx=${n.x} cy=${n.y} r="17" />`;
      break;
    case "end":
      shape = html`<rect x=${x} y=${y} width=${w} height=${hh} rx=${hh / 2} /><rect class="inner" x=${x + 3} y=${y + 3} width=${w - 6} height=${hh - 6} rx=${hh / 2 - 3} />`;
      break;
    default:
      shape = html`<rect x=${x} y=${y} width=${w} height=${hh} rx=${n.shape === "wait" ? 14 : 3} />`;
  }
  const clickable = n.shape !== "start" && n.shape !== "any" && n.shape !== "handoff_" && n.shape !== "end_";
  return html`
    <g class=${cls} data-id=${n.id} data-shape=${n.shape} onClick=${clickable ? () => onPick(n.id) : undefined}
        style=${clickable ? "cursor:pointer" : ""}>
      <title>${n.id + (n.pos ? " — " + n.pos : "") + (clickable ? " (click for its YAML)" : "")}</title>
      ${shape}
      ${n.shape !== "start" && html`<text x=${n.x} y=${n.y + 4}>${clip(n.label, 34)}</text>`}
    </g>`;
}
