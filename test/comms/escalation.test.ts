// Escalations route per settings/escalation.json — the bead, mail to the mayor, a webhook —
// and re-escalate one severity up when nobody acknowledges them in time, up to the maximum.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { newTown, type TestTown } from "../helpers/town.ts";

interface Escalation {
  id: string;
  severity: string;
  original_severity: string;
  acknowledged: boolean;
  reescalation_count: number;
  actions: Array<{ severity: string; action: string; result: string }>;
}

describe("gt escalate", () => {
  let town: TestTown;
  let server: Server;
  const received: Array<{ severity: string; summary: string }> = [];

  before(async () => {
    town = await newTown("subprocess");
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push(JSON.parse(body));
        res.end("ok");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    writeFileSync(
      join(town.root, "settings", "escalation.json"),
      JSON.stringify({
        type: "escalation",
        version: 1,
        routes: {
          low: ["bead"],
          medium: ["bead", "mail:mayor"],
          high: ["bead", "mail:mayor", `webhook:http://127.0.0.1:${port}/hook`],
          critical: ["bead", "mail:mayor", "sms:human"],
        },
        contacts: {},
        stale_threshold: "1s",
        max_reescalations: 2,
      }),
    );
  });
  after(async () => {
    server?.close();
    await town?.cleanup();
  });

  const mayorMail = async () =>
    town.gtJson<Array<{ subject: string }>>(["mail", "inbox", "--identity", "mayor"]);

  it("routes per config and re-escalates when stale, up to the maximum", async () => {
    const e = await town.gtJson<Escalation>(
      ["escalate", "-s", "medium", "Build broken on main", "--reason", "tests fail since 10:02"],
      { env: { GT_ROLE: "deacon" } },
    );
    assert.equal(e.severity, "medium");
    assert.deepEqual(
      e.actions.map((a) => a.action),
      ["bead", "mail:mayor"],
    );
    assert.match(e.actions[1]!.result, /^mailed mayor/);
    assert.ok((await mayorMail()).some((m) => m.subject === "🚨 ESCALATION [medium]: Build broken on main"));
    assert.equal(received.length, 0);

    await new Promise((r) => setTimeout(r, 1200));
    const first = await town.gtJson<Escalation[]>(["escalate", "stale"]);
    assert.equal(first.length, 1);
    assert.equal(first[0]!.severity, "high");
    assert.equal(first[0]!.original_severity, "medium");
    assert.equal(first[0]!.reescalation_count, 1);
    assert.equal(received.length, 1, "the high route's webhook was called");
    assert.equal(received[0]!.severity, "high");

    await new Promise((r) => setTimeout(r, 1200));
    const second = await town.gtJson<Escalation[]>(["escalate", "stale"]);
    assert.equal(second[0]!.severity, "critical");
    const sms = second[0]!.actions.find((a) => a.action === "sms:human");
    assert.match(sms!.result, /skipped: no sms contact/);

    await new Promise((r) => setTimeout(r, 1200));
    assert.deepEqual(await town.gtJson(["escalate", "stale"]), [], "at most max_reescalations");
    assert.equal((await mayorMail()).filter((m) => m.subject.includes("Build broken on main")).length, 3);
    // The mayor's context lists it while nobody has acknowledged it.
    const prime = await town.gt(["prime"], { env: { GT_ROLE: "mayor" } });
    assert.match(prime.stdout, /## Pending escalations[\s\S]*CRITICAL: .*Build broken on main/);
  });

  it("an acknowledged escalation is not re-escalated; close ends it", async () => {
    const e = await town.gtJson<Escalation>(["escalate", "-s", "low", "Disk at 80%"]);
    const acked = await town.gtJson<Escalation>(["escalate", "ack", e.id]);
    assert.equal(acked.acknowledged, true);
    await new Promise((r) => setTimeout(r, 1200));
    const raised = await town.gtJson<Escalation[]>(["escalate", "stale"]);
    assert.ok(!raised.some((x) => x.id === e.id));
    await town.gtJson(["escalate", "close", e.id, "--reason", "cleaned up"]);
    const open = await town.gtJson<Escalation[]>(["escalate", "list"]);
    assert.ok(!open.some((x) => x.id === e.id));
    const bad = await town.gt(["escalate", "-s", "apocalyptic", "x"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unknown severity/);
  });
});
