import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { buildPrime, EVENTS_FILE, HANDOFF_MARKER, SESSION_ID_FILE } from "../../src/agents/prime.ts";
import { unreadMail } from "../../src/comms/mailbox.ts";
import type { CreateIssueInput } from "../../src/ledger/store.ts";
import { openRigLedger, openTownLedger } from "../../src/town/ledgers.ts";
import { NotInTownError, Town } from "../../src/town/workspace.ts";
import { handMadeTown } from "../helpers/hand-made-town.ts";
import { scratchDir } from "../helpers/temp.ts";

/** Paths of every agent's working dir in the fixture town. */
interface Fixture {
  root: string;
  town: Town;
  dirs: { mayor: string; deacon: string; witness: string; refinery: string; polecat: string; crew: string };
}

/** A town by hand: town.json, rigs.json, town ledger, rig "gastown" (prefix gt) with a ledger. */
function makeTown(): Fixture {
  const root = handMadeTown("gt-prime-", { ledgers: true });
  const dirs = {
    mayor: join(root, "mayor"),
    deacon: join(root, "deacon"),
    witness: join(root, "gastown", "witness"),
    refinery: join(root, "gastown", "refinery", "rig"),
    polecat: join(root, "gastown", "polecats", "toast", "gastown"),
    crew: join(root, "gastown", "crew", "max"),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  return { root, town: new Town(root), dirs };
}

/** An environment with no GT_* identity leaking in from the shell running the tests. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GT_ROLE: "",
    GT_ROOT: "",
    GT_TOWN_ROOT: "",
    GT_SESSION_ID: "",
    CLAUDE_SESSION_ID: "",
    GT_AGENT: "claude",
    ...extra,
  };
}

async function createBead(f: Fixture, rig: string | undefined, input: CreateIssueInput): Promise<string> {
  const ledger = rig ? openRigLedger(f.town, rig) : openTownLedger(f.town);
  try {
    return (await ledger.createIssue(input, "test")).id;
  } finally {
    await ledger.close();
  }
}

describe("gt prime: identity", () => {
  it("GT_ROLE beats the working directory", async () => {
    const f = makeTown();
    const r = await buildPrime({ cwd: f.dirs.mayor, env: cleanEnv({ GT_ROLE: "gastown/witness" }) });
    assert.equal(r.role, "witness");
    assert.equal(r.address, "gastown/witness");
    assert.equal(r.rig, "gastown");
    assert.match(r.text, /You are the witness of rig gastown/);
  });

  it("falls back to the working directory for every role", async () => {
    const f = makeTown();
    const cases: Array<[string, string, string]> = [
      [f.dirs.mayor, "mayor", "mayor"],
      [f.dirs.deacon, "deacon", "deacon"],
      [f.dirs.witness, "witness", "gastown/witness"],
      [f.dirs.refinery, "refinery", "gastown/refinery"],
      [f.dirs.polecat, "polecat", "gastown/polecats/toast"],
      [join(f.dirs.crew, "src"), "crew", "gastown/crew/max"],
    ];
    mkdirSync(join(f.dirs.crew, "src"));
    for (const [cwd, role, address] of cases) {
      const r = await buildPrime({ cwd, env: cleanEnv() });
      assert.equal(r.role, role, cwd);
      assert.equal(r.address, address, cwd);
      assert.equal(r.fastPath, false);
      assert.ok(!r.text.includes("{{"), `${role}: leftover placeholder`);
      assert.ok(r.text.includes(address), `${role}: text lacks its address`);
    }
  });

  it("fills the template with town, rig, session and branch", async () => {
    const f = makeTown();
    writeFileSync(
      join(f.root, "gastown", "config.json"),
      JSON.stringify({
        type: "rig",
        version: 1,
        name: "gastown",
        git_url: "https://example.com/g.git",
        default_branch: "develop",
        created_at: new Date().toISOString(),
        beads: { prefix: "gt" },
      }),
    );
    const r = await buildPrime({ cwd: f.dirs.polecat, env: cleanEnv() });
    assert.match(
      r.text,
      /You are \*\*toast\*\*, a worker in rig \*\*gastown\*\* of the Gas Town workspace \*\*t\*\*/,
    );
    assert.ok(r.text.includes("`gt-toast`"), "session name");
    assert.ok(r.text.includes(f.dirs.polecat), "work dir");
    assert.ok(r.text.includes("Never push to `develop`"), "default branch");
    assert.ok(r.text.includes("runtime is claude"), "agent");
  });

  it("the town root has no role: a neutral text, not an error", async () => {
    const f = makeTown();
    const r = await buildPrime({ cwd: f.root, env: cleanEnv() });
    assert.equal(r.identity, undefined);
    assert.equal(r.role, undefined);
    assert.match(r.text, /no agent role here/);
    assert.match(r.text, /Rigs: gastown/);
  });

  it("outside a town is NotInTownError", async () => {
    const dir = scratchDir("gt-notown-");
    await assert.rejects(buildPrime({ cwd: dir, env: cleanEnv() }), NotInTownError);
  });
});

describe("gt prime: hook, mail, directives", () => {
  it("hooked work appears in an AUTONOMOUS WORK MODE block", async () => {
    const f = makeTown();
    const id = await createBead(f, "gastown", {
      title: "Fix the flux capacitor",
      description: "It leaks at 88 mph.",
      status: "hooked",
      assignee: "gastown/polecats/toast",
    });
    const r = await buildPrime({ cwd: f.dirs.polecat, env: cleanEnv() });
    assert.equal(r.hooked?.id, id);
    assert.match(r.text, /AUTONOMOUS WORK MODE/);
    assert.ok(r.text.includes(id));
    assert.ok(r.text.includes("Fix the flux capacitor"));
    assert.ok(r.text.includes("It leaks at 88 mph."));
    assert.match(r.text, /finish with `gt done`/);
    assert.ok(!r.text.includes("Nothing is on your hook"));
  });

  it("work hooked in the town ledger counts too, and non-polecats close it", async () => {
    const f = makeTown();
    const id = await createBead(f, undefined, {
      title: "Plan the release",
      status: "hooked",
      assignee: "mayor",
    });
    const r = await buildPrime({ cwd: f.dirs.mayor, env: cleanEnv() });
    assert.equal(r.hooked?.id, id);
    assert.ok(r.text.includes(`bd close ${id}`));
  });

  it("an empty hook gives the role's startup directive", async () => {
    const f = makeTown();
    const w = await buildPrime({ cwd: f.dirs.witness, env: cleanEnv() });
    assert.equal(w.hooked, undefined);
    assert.match(w.text, /Nothing is on your hook\. Run a patrol: `gt polecat list gastown`/);
    const m = await buildPrime({ cwd: f.dirs.mayor, env: cleanEnv() });
    assert.match(m.text, /Nothing is on your hook\. .*`gt status`/);
  });

  it("counts unread mail (open messages to me without the read label)", async () => {
    const f = makeTown();
    const msg = (title: string, extra: Partial<CreateIssueInput> = {}) =>
      createBead(f, undefined, { title, issue_type: "message", assignee: "mayor", ...extra });
    await msg("hello");
    await msg("seen", { labels: ["read"] });
    await msg("wisp", { ephemeral: true });
    await createBead(f, undefined, { title: "for deacon", issue_type: "message", assignee: "deacon" });
    const r = await buildPrime({ cwd: f.dirs.mayor, env: cleanEnv() });
    assert.equal(r.unreadMail, 2);
    assert.match(r.text, /Mail: 2 unread \(gt mail inbox\)/);
  });

  it("appends town directives, then the rig's", async () => {
    const f = makeTown();
    mkdirSync(join(f.root, "directives"));
    mkdirSync(join(f.root, "gastown", "directives"));
    writeFileSync(join(f.root, "directives", "polecat.md"), "TOWN-RULE: write tests.\n");
    writeFileSync(join(f.root, "gastown", "directives", "polecat.md"), "RIG-RULE: use pnpm.\n");
    writeFileSync(join(f.root, "directives", "mayor.md"), "MAYOR-ONLY\n");
    const r = await buildPrime({ cwd: f.dirs.polecat, env: cleanEnv() });
    const tpl = r.text.indexOf("# You are a polecat");
    const town = r.text.indexOf("TOWN-RULE");
    const rig = r.text.indexOf("RIG-RULE");
    const hook = r.text.indexOf("## Your hook");
    assert.ok(tpl >= 0 && tpl < town && town < rig && rig < hook, r.text);
    assert.ok(!r.text.includes("MAYOR-ONLY"));
  });

  it("a ledger that cannot be opened gives a loud warning, not an empty hook", async () => {
    const f = makeTown();
    rmSync(join(f.root, "gastown", ".beads"), { recursive: true });
    const r = await buildPrime({ cwd: f.dirs.polecat, env: cleanEnv() });
    assert.match(r.text, /LEDGER ERROR — do not run gt done/);
    assert.ok(!r.text.includes("Nothing is on your hook"));
    assert.ok(r.ledgerError);
  });
});

describe("gt prime --hook", () => {
  it("persists the session id and appends a session_start event", async () => {
    const f = makeTown();
    const env = cleanEnv({ CLAUDE_SESSION_ID: "sess-claude" });
    const r = await buildPrime({ cwd: f.dirs.polecat, env, hookMode: true });
    assert.equal(r.sessionId, "sess-claude");
    const file = join(f.dirs.polecat, ".runtime", SESSION_ID_FILE);
    assert.equal(readFileSync(file, "utf8").trim(), "sess-claude");
    const lines = readFileSync(join(f.root, EVENTS_FILE), "utf8").trim().split("\n");
    assert.equal(lines.length, 1);
    const ev = JSON.parse(lines[0]!);
    assert.equal(ev.type, "session_start");
    assert.equal(ev.actor, "gastown/polecats/toast");
    assert.deepEqual(ev.payload, { session_id: "sess-claude", source: "startup", role: "polecat" });
    assert.ok(!Number.isNaN(Date.parse(ev.ts)));
  });

  it("resolves the id: GT_SESSION_ID, then stdin JSON, then the persisted one, else a new one", async () => {
    const f = makeTown();
    const cwd = f.dirs.witness;
    const a = await buildPrime({
      cwd,
      env: cleanEnv({ GT_SESSION_ID: "gt-id", CLAUDE_SESSION_ID: "c" }),
      hookMode: true,
    });
    assert.equal(a.sessionId, "gt-id");
    const b = await buildPrime({
      cwd,
      env: cleanEnv(),
      hookMode: true,
      stdinJson: '{"session_id":"from-stdin"}',
    });
    assert.equal(b.sessionId, "from-stdin");
    const c = await buildPrime({ cwd, env: cleanEnv(), hookMode: true });
    assert.equal(c.sessionId, "from-stdin");
    rmSync(join(cwd, ".runtime", SESSION_ID_FILE));
    const d = await buildPrime({ cwd, env: cleanEnv(), hookMode: true, stdinJson: "not json" });
    assert.match(d.sessionId ?? "", /^[0-9a-f-]{36}$/);
    const events = readFileSync(join(f.root, EVENTS_FILE), "utf8").trim().split("\n");
    assert.equal(events.length, 4);
  });

  it("a compact source takes the fast path: a recovery line, the hook, the gt done reminder", async () => {
    const f = makeTown();
    const id = await createBead(f, "gastown", {
      title: "Port it",
      status: "hooked",
      assignee: "gastown/polecats/toast",
    });
    const r = await buildPrime({
      cwd: f.dirs.polecat,
      env: cleanEnv({ CLAUDE_SESSION_ID: "s1" }),
      hookMode: true,
      stdinJson: JSON.stringify({ session_id: "s1", source: "compact" }),
    });
    assert.equal(r.fastPath, true);
    assert.equal(r.source, "compact");
    assert.match(r.text, /^Context restored \(compact\)\. You are gastown\/polecats\/toast/);
    assert.ok(r.text.includes(`Hooked: ${id} — Port it`));
    assert.match(r.text, /gt done/);
    assert.ok(!r.text.includes("# You are a polecat"), "no full template on the fast path");
    const ev = JSON.parse(readFileSync(join(f.root, EVENTS_FILE), "utf8").trim());
    assert.equal(ev.payload.source, "compact");
  });

  it("--source resume also takes the fast path", async () => {
    const f = makeTown();
    const r = await buildPrime({ cwd: f.dirs.mayor, env: cleanEnv(), hookMode: true, source: "resume" });
    assert.equal(r.fastPath, true);
    assert.match(r.text, /Nothing is on your hook/);
    assert.ok(!r.text.includes("gt done"));
  });

  it("a handoff marker adds a warning once and is removed", async () => {
    const f = makeTown();
    const marker = join(f.dirs.crew, ".runtime", HANDOFF_MARKER);
    mkdirSync(join(f.dirs.crew, ".runtime"));
    writeFileSync(marker, "");
    const r = await buildPrime({ cwd: f.dirs.crew, env: cleanEnv(), hookMode: true });
    assert.match(r.text, /^## ⚠️ YOU JUST TOOK OVER FROM A HANDOFF/);
    assert.match(r.text, /Do NOT hand off again/);
    assert.equal(existsSync(marker), false);
    const again = await buildPrime({ cwd: f.dirs.crew, env: cleanEnv() });
    assert.ok(!again.text.includes("HANDOFF"));
  });
});

describe("unreadMail", () => {
  it("merges ledgers newest first", async () => {
    const f = makeTown();
    const a = await createBead(f, "gastown", {
      title: "older",
      issue_type: "message",
      assignee: "gastown/witness",
    });
    await new Promise((r) => setTimeout(r, 5));
    const b = await createBead(f, undefined, {
      title: "newer",
      issue_type: "message",
      assignee: "gastown/witness",
    });
    const ledgers = [openRigLedger(f.town, "gastown"), openTownLedger(f.town)];
    try {
      const mail = await unreadMail(ledgers, "gastown/witness");
      assert.deepEqual(
        mail.map((m) => m.id),
        [b, a],
      );
    } finally {
      for (const l of ledgers) await l.close();
    }
  });
});
