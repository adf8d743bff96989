// The dashboard page as server-rendered HTML strings. Every field that comes from the town
// (titles, subjects, names, screen text) passes through esc(); the live stream sends the same
// panel HTML again, so the page and its updates can never disagree.
import { PROBLEM_GLYPHS, PROBLEM_LABELS, PROBLEM_STATES, problemCounts } from "../events/problems.ts";
import type { DashboardState, RigPanel } from "./state.ts";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** HTML-escapes text, and shows control characters (an agent's ESC sequences) as visible marks. */
export function esc(value: unknown): string {
  return String(value ?? "")
    .replace(/[&<>"']/g, (c) => ESCAPES[c]!)
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) =>
      String.fromCharCode(0x2400 + (c.charCodeAt(0) & 0x1f)),
    );
}

export const PANEL_IDS = [
  "summary",
  "problems",
  "agents",
  "rigs",
  "convoys",
  "mq",
  "mail",
  "escalations",
] as const;
export type PanelId = (typeof PANEL_IDS)[number];

const TITLES: Record<PanelId, string> = {
  summary: "Town",
  problems: "Problems",
  agents: "Agents",
  rigs: "Rigs and work",
  convoys: "Convoys",
  mq: "Merge queue",
  mail: "Mail",
  escalations: "Escalations",
};

const none = (what: string) => `<p class="none">${esc(what)}</p>`;

function summary(s: DashboardState): string {
  const m = s.summary;
  const cells: Array<[string, number | string]> = [
    ["rigs", m.rigs],
    ["agents running", m.agents_running],
    ["hooked", m.hooked],
    ["zombies", m.zombies],
    ["convoys open", m.convoys_open],
    ["merge requests", m.mq_pending],
    ["escalations", m.escalations],
    ["unread mail", m.mail_unread],
  ];
  return `<p class="town"><b>${esc(s.town.name)}</b> <code>${esc(s.town.root)}</code> · daemon ${
    s.daemon.running ? `running (pid ${esc(s.daemon.pid)})` : "not running"
  }${s.estop ? ' · <span class="bad">⛔ E-STOP</span>' : ""}</p><dl class="stats">${cells
    .map(([k, v]) => `<div data-stat="${esc(k)}"><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`)
    .join("")}</dl>`;
}

/** Whole minutes: the panels change once a minute, not on every read. */
function quiet(ms: number | null): string {
  return ms === null ? "" : ` <span class="dim">quiet ${Math.floor(ms / 60_000)} min</span>`;
}

function problems(s: DashboardState): string {
  const counts = problemCounts(s.polecats);
  const line = s.polecats.length
    ? `<p class="counts">polecats: ${PROBLEM_STATES.map(
        (st) =>
          `<span data-count="${st}">${PROBLEM_GLYPHS[st]} ${esc(counts[st])} ${esc(PROBLEM_LABELS[st])}</span>`,
      ).join(" · ")}</p>`
    : "";
  if (s.problems.length === 0) return line + none("No problems.");
  return `${line}<ul>${s.problems
    .map(
      (p) => `<li class="bad" data-problem="${esc(p.kind)}"><b>${esc(p.subject)}</b> ${esc(p.detail)}</li>`,
    )
    .join("")}</ul>`;
}

function agents(s: DashboardState): string {
  if (s.agents.length === 0) return none("No agents.");
  const work = new Map(s.polecats.map((p) => [p.agent, p]));
  return `<table><tr><th>agent</th><th>state</th><th>work</th><th>hook</th></tr>${s.agents
    .map((a) => {
      const p = work.get(a.address);
      return `<tr data-agent="${esc(a.address)}" class="st-${esc(a.state)}"><td>${esc(a.address)}</td><td>${esc(
        a.state,
      )}</td><td>${p ? `<span data-work="${esc(p.state)}">${p.glyph} ${esc(PROBLEM_LABELS[p.state])}</span>${quiet(p.quiet_ms)}` : ""}</td><td>${
        a.hook ? `${esc(a.hook)} ${esc(a.hook_title ?? "")}` : "—"
      }</td></tr>${
        a.peek.length
          ? `<tr class="peek" data-peek="${esc(a.address)}"><td colspan="4"><pre>${esc(a.peek.join("\n"))}</pre></td></tr>`
          : ""
      }`;
    })
    .join("")}</table>`;
}

function beadItem(b: RigPanel["open"][number]): string {
  const glyph = b.status === "closed" ? "✓" : b.status === "in_progress" || b.status === "hooked" ? "→" : "+";
  return `<li data-bead="${esc(b.id)}" data-status="${esc(b.status)}">${glyph} <code>${esc(b.id)}</code> ${esc(
    b.title,
  )} <span class="dim">${esc(b.status)}${b.assignee ? ` · ${esc(b.assignee)}` : ""}</span></li>`;
}

function rigs(s: DashboardState): string {
  if (s.rigs.length === 0) return none("No rigs (gt rig add <name> <git-url>).");
  return s.rigs
    .map(
      (r) =>
        `<div class="rig" data-rig="${esc(r.name)}"><h3>${esc(r.name)} <span class="dim">${esc(r.prefix)}- · ${esc(
          r.default_branch,
        )} · ${esc(r.state)} · ${esc(r.agents)} agent(s)</span>${r.estop ? ' <span class="bad">⛔</span>' : ""}</h3>` +
        `<ul>${r.open.map(beadItem).join("") || "<li class='dim'>nothing open</li>"}</ul>` +
        (r.closed.length ? `<ul class="closed">${r.closed.map(beadItem).join("")}</ul>` : "") +
        "</div>",
    )
    .join("");
}

function convoys(s: DashboardState): string {
  if (s.convoys.length === 0) return none("No convoys.");
  return s.convoys
    .map((c) => {
      const pct = c.total ? Math.round((100 * c.closed) / c.total) : 0;
      const landed =
        c.status === "closed"
          ? ` <span class="landed" data-landed="${esc(c.id)}">landed ${esc(c.closed_at?.slice(11, 16) ?? "")}</span>`
          : "";
      return `<div class="convoy" data-convoy="${esc(c.id)}" data-status="${esc(c.status)}"><b>${esc(c.title)}</b> <code>${esc(c.id)}</code> <span class="progress">${esc(
        c.closed,
      )}/${esc(c.total)}</span><progress max="100" value="${pct}"></progress>${landed}${
        c.workers.length ? ` <span class="dim">${esc(c.workers.join(", "))}</span>` : ""
      }</div>`;
    })
    .join("");
}

function mq(s: DashboardState): string {
  const rows = s.rigs.flatMap((r) => r.queue.map((m) => ({ rig: r.name, m })));
  const failures = s.rigs.filter((r) => r.landing_failure);
  const fail = failures
    .map((r) => `<p class="bad">${esc(r.name)}: ${esc(r.landing_failure?.summary)}</p>`)
    .join("");
  if (rows.length === 0) return fail + none("The merge queues are empty.");
  return `${fail}<table><tr><th>rig</th><th>mr</th><th>bead</th><th>branch</th><th>worker</th></tr>${rows
    .map(
      ({ rig, m }) =>
        `<tr data-mr="${esc(m.id)}"><td>${esc(rig)}</td><td>${esc(m.id)}</td><td>${esc(m.source_issue)}</td><td>${esc(
          m.branch,
        )}</td><td>${esc(m.worker)}</td></tr>`,
    )
    .join("")}</table>`;
}

function mail(s: DashboardState): string {
  if (s.mail.length === 0) return none("No mail.");
  return `<ul>${s.mail
    .map(
      (m) =>
        `<li data-mail="${esc(m.id)}" class="${m.read ? "dim" : ""}">${esc(m.from)} → ${esc(m.to)}: <b>${esc(
          m.subject,
        )}</b> <span class="dim">${esc(m.created_at.slice(11, 19))}</span></li>`,
    )
    .join("")}</ul>`;
}

function escalations(s: DashboardState): string {
  if (s.escalations.length === 0) return none("No open escalations.");
  return `<ul>${s.escalations
    .map(
      (e) =>
        `<li data-escalation="${esc(e.id)}" class="${e.acknowledged ? "dim" : "bad"}">🚨 <code>${esc(e.id)}</code> [${esc(
          e.severity,
        )}${e.acknowledged ? ", acked" : ""}] ${esc(e.summary)} <span class="dim">${esc(e.source)}</span></li>`,
    )
    .join("")}</ul>`;
}

const RENDER: Record<PanelId, (s: DashboardState) => string> = {
  summary,
  problems,
  agents,
  rigs,
  convoys,
  mq,
  mail,
  escalations,
};

/** The inner HTML of every panel, by id: what the page embeds and the stream re-sends. */
export function renderPanels(s: DashboardState): Record<PanelId, string> {
  return Object.fromEntries(PANEL_IDS.map((id) => [id, RENDER[id](s)])) as Record<PanelId, string>;
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:0;background:#f6f6f4;color:#222}
header{background:#222;color:#eee;padding:.5em 1em;display:flex;gap:1em;align-items:center}
header h1{font-size:1.1em;margin:0}#live{font-size:.85em;color:#9c9}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:.8em;padding:.8em}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.5em .8em;overflow:auto;max-height:28em}
section h2{font-size:1em;margin:.2em 0 .5em}table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:2px 6px;border-bottom:1px solid #eee;vertical-align:top}
pre{margin:0;font-size:11px;background:#111;color:#ddd;padding:4px;white-space:pre-wrap}
ul{margin:0;padding-left:1.1em}.dim{color:#888}.bad{color:#b00}.none{color:#888;margin:.2em 0}
.stats{display:grid;grid-template-columns:repeat(4,1fr);gap:.4em;margin:0}.stats div{background:#f0f0ee;padding:.3em;border-radius:4px}
.stats dt{font-size:.8em;color:#666}.stats dd{margin:0;font-size:1.3em;font-weight:bold}
.st-zombie td{color:#b00}.rig h3{font-size:.95em;margin:.4em 0 .2em}ul.closed{color:#4a4}
#palette{display:flex;gap:.5em;padding:0 .8em}#palette input{flex:1;font:inherit;padding:.3em}
#out{margin:.4em .8em;max-height:16em;overflow:auto}#out:empty{display:none}.landed{color:#4a4}`;

/** The client: live panels over SSE, and the command palette. No framework, no build step. */
function script(csrf: string): string {
  return `(() => {
const csrf = ${JSON.stringify(csrf)};
const live = document.getElementById("live");
const es = new EventSource("/api/events");
es.addEventListener("connected", () => { live.textContent = "● live"; });
es.addEventListener("update", (e) => {
  const u = JSON.parse(e.data);
  for (const [id, html] of Object.entries(u.panels)) {
    const el = document.querySelector('#panel-' + id + ' .body');
    if (el) el.innerHTML = html;
  }
  document.body.dataset.version = u.version;
});
es.onerror = () => { live.textContent = "○ reconnecting"; };
const form = document.getElementById("palette");
form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const out = document.getElementById("out");
  out.textContent = "…";
  const r = await fetch("/api/run", { method: "POST", headers: { "content-type": "application/json", "x-csrf-token": csrf },
    body: JSON.stringify({ command: form.command.value }) });
  const j = await r.json().catch(() => ({ error: r.statusText }));
  out.textContent = j.error ? "✗ " + j.error : (j.stdout + j.stderr + (j.code ? "\\n(exit " + j.code + ")" : ""));
});
})();`;
}

export interface PageOptions {
  town: string;
  csrf: string;
  nonce: string;
  version: number;
  commands: readonly string[];
}

/** The whole page around already rendered panels (the live stream's latest snapshot). */
export function renderPage(panels: Record<PanelId, string>, o: PageOptions): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(o.town)} · Gas Town</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="csrf-token" content="${esc(o.csrf)}">
<style>${STYLE}</style></head><body data-version="${o.version}">
<header><h1>⛽ ${esc(o.town)}</h1><span id="live">○ connecting</span></header>
<form id="palette" autocomplete="off"><input name="command" list="commands" placeholder="gt command (e.g. mq list, convoy status, nudge <agent> <text>)" aria-label="gt command"><button>Run</button>
<datalist id="commands">${o.commands.map((c) => `<option value="${esc(c)}">`).join("")}</datalist></form>
<pre id="out"></pre>
<main>${PANEL_IDS.map(
    (id) =>
      `<section id="panel-${id}"><h2>${esc(TITLES[id])}</h2><div class="body">${panels[id]}</div></section>`,
  ).join("\n")}</main>
<script nonce="${esc(o.nonce)}">${script(o.csrf)}</script></body></html>`;
}
