// OpenTelemetry: with an OTLP endpoint set, gt and bd send the spec's counters, the bd call
// histogram and log records (with run.id) to it over OTLP/HTTP; a local receiver decodes what
// arrives. Without an endpoint nothing is sent.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { telemetryEndpoints } from "../../src/adapters/otel.ts";
import { BD, run } from "../helpers/bd.ts";
import { addBareRig, newTown, type TestTown } from "../helpers/town.ts";

interface Received {
  path: string;
  body: Record<string, unknown>;
}

type Attr = {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number };
};
const attrValue = (attrs: Attr[] | undefined, key: string) => {
  const v = attrs?.find((a) => a.key === key)?.value;
  return v?.stringValue ?? v?.intValue ?? v?.doubleValue;
};

interface DataPoint {
  attributes?: Attr[];
  asInt?: string | number;
  asDouble?: number;
  count?: string | number;
}
interface Metric {
  name: string;
  sum?: { dataPoints: DataPoint[] };
  histogram?: { dataPoints: DataPoint[] };
}

function metricsOf(received: Received[]): Metric[] {
  const out: Metric[] = [];
  for (const r of received.filter((x) => x.path === "/v1/metrics"))
    for (const rm of (r.body.resourceMetrics as Array<{ scopeMetrics: Array<{ metrics: Metric[] }> }>) ?? [])
      for (const sm of rm.scopeMetrics) out.push(...sm.metrics);
  return out;
}

interface LogRec {
  eventName?: string;
  attributes?: Attr[];
}
function logsOf(received: Received[]): Array<LogRec & { resource: Attr[] }> {
  const out: Array<LogRec & { resource: Attr[] }> = [];
  for (const r of received.filter((x) => x.path === "/v1/logs"))
    for (const rl of (r.body.resourceLogs as Array<{
      resource: { attributes: Attr[] };
      scopeLogs: Array<{ logRecords: LogRec[] }>;
    }>) ?? [])
      for (const sl of rl.scopeLogs)
        for (const l of sl.logRecords) out.push({ ...l, resource: rl.resource.attributes });
  return out;
}

describe("OpenTelemetry export", () => {
  let town: TestTown;
  let server: Server;
  let base = "";
  const received: Received[] = [];

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        try {
          received.push({ path: req.url ?? "", body: JSON.parse(text) as Record<string, unknown> });
        } catch {
          received.push({ path: req.url ?? "", body: { unparsed: text.length } });
        }
        res.writeHead(200, { "content-type": "application/json" });
        res.end("{}");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    town = await newTown("subprocess");
    await addBareRig(town, "alpha");
  });
  after(async () => {
    await town?.cleanup();
    server?.close();
  });

  it("reads the endpoints from Gas Town's variables or the standard OTLP ones; none means off", () => {
    assert.equal(telemetryEndpoints({}), undefined);
    assert.deepEqual(telemetryEndpoints({ GT_OTEL_METRICS_URL: "http://m/x" }), { metrics: "http://m/x" });
    assert.deepEqual(telemetryEndpoints({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/" }), {
      metrics: "http://c:4318/v1/metrics",
      logs: "http://c:4318/v1/logs",
    });
    assert.deepEqual(
      telemetryEndpoints({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", GT_OTEL_LOGS_URL: "http://l/logs" }),
      { metrics: "http://c/v1/metrics", logs: "http://l/logs" },
    );
  });

  it("a sling and a bd call arrive as counters, a histogram and log records with run.id", async () => {
    const rig = join(town.root, "alpha");
    const quiet = await town.gt(["rig", "list"], { cwd: rig });
    assert.equal(quiet.code, 0);
    assert.equal(received.length, 0, "nothing is sent without an endpoint");

    const env = {
      GT_OTEL_METRICS_URL: `${base}/v1/metrics`,
      GT_OTEL_LOGS_URL: `${base}/v1/logs`,
      GT_RUN: "run-otel-test",
    };
    const created = await run(BD, rig, ["create", "measure me", "--silent"], {
      env: { ...town.env, ...env },
    });
    assert.equal(created.code, 0, created.stderr);
    const id = created.stdout.trim();
    const slung = await town.gt(["sling", id, "alpha", "--no-start", "--no-convoy"], { env });
    assert.equal(slung.code, 0, slung.stderr);

    const metrics = metricsOf(received);
    const names = new Set(metrics.map((m) => m.name));
    assert.ok(names.has("gastown.sling.dispatches.total"), [...names].join(", "));
    assert.ok(names.has("gastown.bd.calls.total"), [...names].join(", "));
    const sling = metrics.find((m) => m.name === "gastown.sling.dispatches.total")!;
    assert.equal(Number(sling.sum!.dataPoints[0]!.asInt ?? sling.sum!.dataPoints[0]!.asDouble), 1);
    assert.equal(attrValue(sling.sum!.dataPoints[0]!.attributes, "run.id"), "run-otel-test");
    const calls = metrics
      .filter((m) => m.name === "gastown.bd.calls.total")
      .flatMap((m) => m.sum!.dataPoints);
    assert.ok(
      calls.some((d) => attrValue(d.attributes, "command") === "create"),
      JSON.stringify(calls.map((d) => d.attributes)),
    );
    const duration = metrics.find((m) => m.name === "gastown.bd.duration_ms");
    assert.ok(duration?.histogram, "bd's duration histogram");
    assert.ok(Number(duration.histogram.dataPoints[0]!.count) >= 1);

    const logs = logsOf(received);
    const slingLog = logs.find(
      (l) => l.eventName === "sling" || attrValue(l.attributes, "event.name") === "sling",
    );
    assert.ok(slingLog, JSON.stringify(logs.map((l) => l.eventName)));
    assert.equal(attrValue(slingLog.attributes, "bead"), id);
    assert.equal(attrValue(slingLog.attributes, "run.id"), "run-otel-test");
    assert.equal(attrValue(slingLog.resource, "service.name"), "gastown");
  });
});
