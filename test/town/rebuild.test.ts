// Deleting a ledger's database loses nothing the town cannot rebuild: the JSONL brings the
// issues (and mail sent --permanent) back, the town re-registers its bead vocabulary on the
// next open, and agent and rig beads are re-derived from the agents on disk. Mail wisps are
// lost by design (ephemeral, never exported).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bdOk, makeRepo, newTown, type TestTown } from "../helpers/town.ts";

interface Bead {
  id: string;
  title: string;
  status: string;
  issue_type: string;
  description?: string;
}
interface Message {
  id: string;
  subject: string;
  body: string;
  from: string;
}
interface Slung {
  bead: string;
  polecat: string;
  work_dir: string;
}

/** Removes beads.db and its WAL side files from a .beads directory. */
function deleteDatabase(beadsDir: string): void {
  const gone = readdirSync(beadsDir).filter((f) => f === "beads.db" || f.startsWith("beads.db-"));
  assert.ok(gone.includes("beads.db"), `no beads.db in ${beadsDir}`);
  for (const f of gone) rmSync(join(beadsDir, f), { force: true });
}

describe("a town whose beads.db files are deleted", () => {
  let town: TestTown;
  const rigDir = () => join(town.root, "alpha");
  const bdList = async (cwd: string) =>
    JSON.parse(
      await bdOk(town, cwd, ["list", "--all", "--include-infra", "--json", "--limit", "0"]),
    ) as Bead[];

  before(async () => {
    town = await newTown("subprocess");
    const r = await town.gt(["rig", "add", "alpha", makeRepo(join(town.scratch, "project")), "--mirror"]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("keeps permanent mail and rebuilds vocabulary, agent and rig beads; gt done, mail and status work", async () => {
    const work = await bdOk(town, rigDir(), ["create", "rebuild me", "--silent"]);
    const slung = (
      await town.gtJson<{ outcomes: Slung[] }>(["sling", work, "alpha", "--no-start", "--no-convoy"])
    ).outcomes[0]!;
    const kept = await town.gtJson<Message>(
      ["mail", "send", "mayor", "-s", "Keep this", "-m", "Durable body", "--permanent", "--no-notify"],
      { env: { GT_ROLE: "alpha/witness" } },
    );
    const wisp = await town.gtJson<Message>(
      ["mail", "send", "mayor", "-s", "Ephemeral", "-m", "gone with the db", "--no-notify"],
      { env: { GT_ROLE: "alpha/witness" } },
    );
    // The permanent message travels in the town's JSONL; the wisp does not.
    const townJsonl = readFileSync(join(town.root, ".beads", "issues.jsonl"), "utf8");
    assert.ok(townJsonl.includes(`"id":"${kept.id}"`), "permanent mail is exported");
    assert.ok(!townJsonl.includes(wisp.id), "mail wisps are not exported");

    // The polecat's work, committed.
    writeFileSync(join(slung.work_dir, "feature.txt"), "feature\n");
    const git = (...args: string[]) => execFileSync("git", args, { cwd: slung.work_dir, stdio: "pipe" });
    git("add", "feature.txt");
    git("-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "feature");

    deleteDatabase(join(town.root, ".beads"));
    deleteDatabase(join(rigDir(), ".beads"));

    // gt done files a merge request (a custom type) on the rebuilt rig ledger.
    const done = await town.gt(["done", "--json"], {
      cwd: slung.work_dir,
      env: { GT_ROLE: "polecat", GT_RIG: "alpha", GT_POLECAT: slung.polecat },
    });
    assert.equal(done.code, 0, done.stderr);
    const mr = (JSON.parse(done.stdout) as { merge_request: string }).merge_request;
    assert.ok(mr, done.stdout);

    // The permanent mail is back in the mayor's inbox, whole.
    const inbox = await town.gtJson<Message[]>(["mail", "inbox"], { env: { GT_ROLE: "mayor" } });
    const back = inbox.find((m) => m.id === kept.id);
    assert.ok(back, JSON.stringify(inbox));
    assert.equal(back.subject, "Keep this");
    assert.equal(back.body, "Durable body");
    assert.equal(back.from, "alpha/witness");
    assert.ok(!inbox.some((m) => m.id === wisp.id), "the wisp is lost, by design");

    const status = await town.gt(["status"]);
    assert.equal(status.code, 0, status.stderr);

    // Agent and rig beads are there again, in both ledgers.
    const rigIds = (await bdList(rigDir())).map((b) => b.id);
    for (const id of [
      "al-rig-alpha",
      "al-alpha-witness",
      "al-alpha-refinery",
      `al-alpha-polecat-${slung.polecat}`,
      mr,
      work,
    ])
      assert.ok(rigIds.includes(id), `${id} in ${rigIds.join(", ")}`);
    const townIds = (await bdList(town.root)).map((b) => b.id);
    for (const id of ["hq-mayor", "hq-deacon", kept.id])
      assert.ok(townIds.includes(id), `${id} in ${townIds.join(", ")}`);

    // The vocabulary is back: bd itself accepts Gas Town's types again.
    const types = await bdOk(town, rigDir(), ["config", "get", "types.custom"]);
    assert.match(types, /merge-request/);
    assert.match(types, /agent/);
  });

  it("re-registers the vocabulary of a rig that tracks its own beads (mayor/rig/.beads), config lost too", async () => {
    const project = makeRepo(join(town.scratch, "tracked"), {
      "README.md": "# tracked\n",
      ".beads/issues.jsonl": `${JSON.stringify({
        id: "tr-1",
        title: "tracked issue",
        status: "open",
        priority: 2,
        issue_type: "task",
        created_at: "2025-01-01T00:00:00Z",
        updated_at: "2025-01-01T00:00:00Z",
      })}\n`,
    });
    const r = await town.gt(["rig", "add", "beta", project, "--mirror"]);
    assert.equal(r.code, 0, r.stderr);
    const ledgerDir = join(town.root, "beta", "mayor", "rig", ".beads");
    deleteDatabase(ledgerDir);
    // Its config is gone too (a copy that travels next to the JSONL may be missing or old).
    rmSync(join(ledgerDir, "config.yaml"), { force: true });

    assert.equal((await town.gt(["status"])).code, 0);
    const beta = join(town.root, "beta");
    assert.match(await bdOk(town, beta, ["config", "get", "types.custom"]), /merge-request/);
    const ids = (await bdList(beta)).map((b) => b.id);
    for (const id of ["tr-1", "tr-rig-beta", "tr-beta-witness", "tr-beta-refinery"])
      assert.ok(ids.includes(id), `${id} in ${ids.join(", ")}`);
  });
});
