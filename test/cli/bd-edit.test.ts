import "../helpers/isolation.ts";
// bd edit: one field through $EDITOR (a small sh script here), saved only when it changed;
// bd create-form: refused without a terminal, and filled in through a real tmux pane.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { BD, bd, bdJson, createIssue, freshLedger } from "../helpers/bd.ts";

interface Shown {
  id: string;
  title: string;
  description?: string;
  notes?: string;
  design?: string;
  acceptance_criteria?: string;
  issue_type: string;
  priority: number;
  labels?: string[];
  assignee?: string;
}

const show = async (dir: string, id: string) => (await bdJson<Shown[]>(dir, ["show", id]))[0]!;

/** An editor script that replaces the file with `text` (or leaves it when text is undefined). */
function editorScript(dir: string, name: string, text?: string): string {
  const path = join(dir, name);
  const body = text === undefined ? ":" : `printf '%s' '${text}' > "$1"`;
  writeFileSync(path, `#!/bin/sh\necho "$1" >> "${path}.calls"\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe("bd edit", { concurrency: true }, () => {
  it("edits the description by default and other fields by flag, only when changed", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const id = await createIssue(l.dir, "Fix login", ["-d", "old text"]);
    const replace = editorScript(l.dir, "replace.sh", "new description\n");
    const r = await bd(l.dir, ["edit", id], { env: { EDITOR: replace } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`✓ Updated description for issue: ${id}`));
    assert.equal((await show(l.dir, id)).description, "new description");

    const notes = editorScript(l.dir, "notes.sh", "a note");
    assert.equal((await bd(l.dir, ["edit", id, "--notes"], { env: { EDITOR: notes } })).code, 0);
    const title = editorScript(l.dir, "title.sh", "Fix the login");
    const titled = await bd(l.dir, ["edit", id, "--title"], { env: { EDITOR: title } });
    assert.match(titled.stdout, /Updated title for issue: .*Fix the login/);
    const acc = editorScript(l.dir, "acc.sh", "it logs in");
    const accepted = await bd(l.dir, ["edit", id, "--acceptance"], { env: { EDITOR: acc } });
    assert.match(accepted.stdout, /Updated acceptance criteria/);
    const after = await show(l.dir, id);
    assert.deepEqual(
      [after.title, after.notes, after.acceptance_criteria, after.description],
      ["Fix the login", "a note", "it logs in", "new description"],
    );

    const events = async () => (await bdJson<unknown[]>(l.dir, ["history", id])).length;
    const before = await events();
    const keep = editorScript(l.dir, "keep.sh");
    const same = await bd(l.dir, ["edit", id], { env: { EDITOR: keep } });
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /No changes made/);
    assert.equal(await events(), before, "nothing written when nothing changed");
  });

  it("refuses an empty title, a failing editor and an unknown bead, changing nothing", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const id = await createIssue(l.dir, "Keep me", ["-d", "body"]);
    const empty = editorScript(l.dir, "empty.sh", "");
    const r = await bd(l.dir, ["edit", id, "--title"], { env: { EDITOR: empty } });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /title cannot be empty/);
    const failing = join(l.dir, "fail.sh");
    writeFileSync(failing, "#!/bin/sh\nexit 3\n");
    chmodSync(failing, 0o755);
    const f = await bd(l.dir, ["edit", id], { env: { EDITOR: failing } });
    assert.notEqual(f.code, 0);
    assert.match(f.stderr, /running editor/);
    assert.equal(f.stderr.trim().split("\n").length, 1);
    const missing = await bd(l.dir, ["edit", "t-nope"], { env: { EDITOR: empty } });
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /no issue found|not found/i);
    const kept = await show(l.dir, id);
    assert.deepEqual([kept.title, kept.description], ["Keep me", "body"]);
  });
});

/** A tmux pane (private socket) running `command` in `dir`, and ways to read and answer it. */
function formPane(t: { after: (fn: () => void) => void }, dir: string, name: string, command: string) {
  const socket = `bd-form-${process.pid}-${name}`;
  const tmux = (...args: string[]) =>
    execFileSync("tmux", ["-L", socket, "-f", "/dev/null", ...args], { encoding: "utf8" });
  t.after(() => {
    try {
      tmux("kill-server");
    } catch {
      // already gone
    }
  });
  tmux(
    "new-session",
    "-d",
    "-x",
    "160",
    "-y",
    "50",
    "-s",
    name,
    "-c",
    dir,
    `${command}; echo "EXIT=$?"; sleep 600`,
  );
  const screen = () => tmux("capture-pane", "-p", "-t", name);
  const waitFor = async (re: RegExp) => {
    for (let i = 0; i < 200; i++) {
      if (re.test(screen())) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`never saw ${re} on:\n${screen()}`);
  };
  /** Waits until the prompt is the pane's last line, so the answer goes to that question. */
  const answer = async (prompt: RegExp, text: string) => {
    for (let i = 0; ; i++) {
      const lines = screen()
        .split("\n")
        .filter((x) => x.trim() !== "");
      if (prompt.test(lines[lines.length - 1] ?? "")) break;
      if (i > 200) assert.fail(`never saw ${prompt} last on:\n${screen()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    if (text) tmux("send-keys", "-t", name, "-l", text);
    tmux("send-keys", "-t", name, "Enter");
  };
  const keys = (...k: string[]) => tmux("send-keys", "-t", name, ...k);
  return { screen, waitFor, answer, keys };
}

describe("bd create-form", () => {
  it("without a terminal: one error line, non-zero, nothing created", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const r = await bd(l.dir, ["create-form"], { input: "Title\n" });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /needs an interactive terminal/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
    assert.deepEqual(await bdJson<unknown[]>(l.dir, ["list"]), []);
  });

  it("asks each field in a tmux pane and creates the bead", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const blocker = await createIssue(l.dir, "Blocker");
    const { screen, waitFor, answer } = formPane(t, l.dir, "form", `'${BD}' create-form`);
    await answer(/Title \(required\):$/, "");
    await waitFor(/title is required/);
    await answer(/Title \(required\):$/, "Form made bead");
    await answer(/Description:$/, "Typed in a pane");
    await answer(/Type \[task\].*:$/, "weird");
    await waitFor(/choose one of/);
    await answer(/Type \[task\].*:$/, "bug");
    await answer(/Priority \[2\].*:$/, "1");
    await answer(/Assignee:$/, "alice");
    await answer(/Labels.*:$/, "ui, urgent");
    await answer(/External reference:$/, "");
    await answer(/Design notes:$/, "");
    await answer(/Acceptance criteria:$/, "it works");
    await answer(/Dependencies.*:$/, blocker);
    await answer(/Create this issue\? \[Y\/n\]$/, "y");
    await waitFor(/EXIT=0/);
    assert.match(screen(), /✓ Created issue: t-\w+ — Form made bead/);
    const made = (await bdJson<Shown[]>(l.dir, ["list", "--title", "Form made"]))[0]!;
    const full = await show(l.dir, made.id);
    assert.deepEqual(
      [full.issue_type, full.priority, full.assignee, full.description, full.acceptance_criteria],
      ["bug", 1, "alice", "Typed in a pane", "it works"],
    );
    assert.deepEqual([...(full.labels ?? [])].sort(), ["ui", "urgent"]);
    const blocked = await bdJson<Array<{ id: string }>>(l.dir, ["blocked"]);
    assert.ok(
      blocked.some((b) => b.id === made.id),
      "the dependency was added",
    );
  });

  it("makes a child with --parent and --json piped to a file; Ctrl+C cancels and writes nothing", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const parent = await createIssue(l.dir, "Parent", ["-t", "epic", "-l", "area"]);
    const child = formPane(t, l.dir, "child", `'${BD}' create-form --parent ${parent} --json > made.json`);
    await child.answer(/Title \(required\):$/, "A child");
    for (const prompt of [
      /Description:$/,
      /Type \[task\].*:$/,
      /Priority \[2\].*:$/,
      /Assignee:$/,
      /Labels.*:$/,
      /External reference:$/,
      /Design notes:$/,
      /Acceptance criteria:$/,
      /Dependencies.*:$/,
      /Create this issue\? \[Y\/n\]$/,
    ])
      await child.answer(prompt, "");
    await child.waitFor(/EXIT=0/);
    const made = JSON.parse(readFileSync(join(l.dir, "made.json"), "utf8")) as Shown;
    assert.equal(made.id, `${parent}.1`);
    assert.deepEqual([made.issue_type, made.priority, made.labels], ["task", 2, ["area"]]);

    const before = await bdJson<unknown[]>(l.dir, ["list", "--all"]);
    const cancel = formPane(t, l.dir, "cancel", `'${BD}' create-form`);
    await cancel.answer(/Title \(required\):$/, "Never made");
    await cancel.waitFor(/Description:\s*$/m);
    cancel.keys("C-c");
    await cancel.waitFor(/EXIT=0/);
    assert.match(cancel.screen(), /Issue creation canceled\./);
    assert.equal((await bdJson<unknown[]>(l.dir, ["list", "--all"])).length, before.length);
  });
});
