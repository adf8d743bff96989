// OpenTelemetry export (spec §6.4), off unless an OTLP endpoint is configured: GT_OTEL_METRICS_URL
// / GT_OTEL_LOGS_URL (Gas Town's names, full URLs), or the standard OTEL_EXPORTER_OTLP_ENDPOINT
// (a base URL: /v1/metrics and /v1/logs are added) and OTEL_EXPORTER_OTLP_{METRICS,LOGS}_ENDPOINT.
//
// Recording is synchronous and cheap: counts, durations and log records wait in memory. The
// official SDK is loaded (from node_modules, at run time, never bundled) the first time something
// is recorded, and exports every few seconds in a long-running process; flushTelemetry() sends
// what is left before a command exits. With no endpoint set nothing here loads or allocates.
import { hostname } from "node:os";
import { basename } from "node:path";
import type { Counter, Histogram } from "@opentelemetry/api";
import type * as LogExporter from "@opentelemetry/exporter-logs-otlp-http";
import type * as MetricExporter from "@opentelemetry/exporter-metrics-otlp-http";
import type * as Resources from "@opentelemetry/resources";
import type * as LogsSdk from "@opentelemetry/sdk-logs";
import type * as MetricsSdk from "@opentelemetry/sdk-metrics";

export interface TelemetryEndpoints {
  metrics?: string;
  logs?: string;
}

/** Where to export, from the environment; undefined when telemetry is off. */
export function telemetryEndpoints(env: NodeJS.ProcessEnv = process.env): TelemetryEndpoints | undefined {
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, "");
  const metrics =
    env.GT_OTEL_METRICS_URL ||
    env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT ||
    (base ? `${base}/v1/metrics` : undefined);
  const logs =
    env.GT_OTEL_LOGS_URL || env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT || (base ? `${base}/v1/logs` : undefined);
  if (!metrics && !logs) return undefined;
  return { ...(metrics ? { metrics } : {}), ...(logs ? { logs } : {}) };
}

type Attrs = Record<string, string | number | boolean>;

type Pending =
  | { kind: "count"; name: string; value: number; attrs: Attrs }
  | { kind: "histogram"; name: string; value: number; attrs: Attrs }
  | { kind: "log"; name: string; body: string; attrs: Attrs; time: number };

interface Sdk {
  count(name: string, value: number, attrs: Attrs): void;
  histogram(name: string, value: number, attrs: Attrs): void;
  log(name: string, body: string, attrs: Attrs, time: number): void;
  flush(): Promise<void>;
}

const state: { pending: Pending[]; sdk?: Promise<Sdk | undefined> } = { pending: [] };
let endpointsCache: TelemetryEndpoints | null | undefined;

function endpoints(): TelemetryEndpoints | undefined {
  if (endpointsCache === undefined) endpointsCache = telemetryEndpoints() ?? null;
  return endpointsCache ?? undefined;
}

/** The attributes every record carries: run.id ties one agent session's records together. */
function baseAttrs(env: NodeJS.ProcessEnv): Attrs {
  const town = env.GT_TOWN_ROOT || env.GT_ROOT;
  return {
    ...(env.GT_RUN ? { "run.id": env.GT_RUN } : {}),
    ...(env.GT_ROLE ? { role: env.GT_ROLE } : {}),
    ...(env.GT_RIG ? { rig: env.GT_RIG } : {}),
    instance: `${hostname()}:${town ? basename(town) : "-"}`,
  };
}

/** Whether anything recorded here will be exported (callers skip building records otherwise). */
export function telemetryOn(): boolean {
  return endpoints() !== undefined;
}

function record(p: Pending): void {
  if (!endpoints()) return;
  state.pending.push(p);
  // Load the SDK now (not awaited): a long-running process exports on its own schedule.
  void loadSdk().then((sdk) => drain(sdk));
}

/** Adds to a counter (`gastown.` is prefixed). */
export function countMetric(name: string, attrs: Attrs = {}, value = 1): void {
  record({ kind: "count", name: `gastown.${name}`, value, attrs });
}

/** Records one value of a histogram (`gastown.` is prefixed), e.g. a duration in ms. */
export function recordHistogram(name: string, value: number, attrs: Attrs = {}): void {
  record({ kind: "histogram", name: `gastown.${name}`, value, attrs });
}

/** One OTLP log record named `name` (event.name), e.g. session.start or prime. */
export function logRecord(name: string, body: string, attrs: Attrs = {}): void {
  record({ kind: "log", name, body, attrs, time: Date.now() });
}

function drain(sdk: Sdk | undefined): void {
  const items = state.pending.splice(0);
  if (!sdk) return;
  for (const p of items) {
    if (p.kind === "count") sdk.count(p.name, p.value, p.attrs);
    else if (p.kind === "histogram") sdk.histogram(p.name, p.value, p.attrs);
    else sdk.log(p.name, p.body, p.attrs, p.time);
  }
}

/** Sends what was recorded; a command awaits this before it exits. Never throws. */
export async function flushTelemetry(): Promise<void> {
  if (!endpoints() || (!state.sdk && state.pending.length === 0)) return;
  try {
    const sdk = await loadSdk();
    drain(sdk);
    await sdk?.flush();
  } catch {
    // telemetry must never fail the command
  }
}

function loadSdk(): Promise<Sdk | undefined> {
  state.sdk ??= createSdk(endpoints()!).catch((e: unknown) => {
    if (process.env.GT_OTEL_DEBUG) process.stderr.write(`otel: ${(e as Error).message}\n`);
    return undefined;
  });
  return state.sdk;
}

// The specifier is a parameter so the bundler leaves a real import() (the SDK stays in
// node_modules and costs nothing unless telemetry is on).
const load = <T>(specifier: string): Promise<T> => import(specifier) as Promise<T>;

async function createSdk(where: TelemetryEndpoints): Promise<Sdk> {
  const common = baseAttrs(process.env);
  const [resources, metricsSdk, logsSdk, metricExp, logExp] = await Promise.all([
    load<typeof Resources>("@opentelemetry/resources"),
    where.metrics ? load<typeof MetricsSdk>("@opentelemetry/sdk-metrics") : undefined,
    where.logs ? load<typeof LogsSdk>("@opentelemetry/sdk-logs") : undefined,
    where.metrics ? load<typeof MetricExporter>("@opentelemetry/exporter-metrics-otlp-http") : undefined,
    where.logs ? load<typeof LogExporter>("@opentelemetry/exporter-logs-otlp-http") : undefined,
  ]);
  const resource = resources.resourceFromAttributes({ "service.name": "gastown", ...common });
  const meterProvider =
    metricsSdk && metricExp
      ? new metricsSdk.MeterProvider({
          resource,
          readers: [
            new metricsSdk.PeriodicExportingMetricReader({
              exporter: new metricExp.OTLPMetricExporter({ url: where.metrics }),
              exportIntervalMillis: 10_000,
            }),
          ],
        })
      : undefined;
  const meter = meterProvider?.getMeter("gastown");
  const loggerProvider =
    logsSdk && logExp
      ? new logsSdk.LoggerProvider({
          resource,
          processors: [
            new logsSdk.BatchLogRecordProcessor({
              exporter: new logExp.OTLPLogExporter({ url: where.logs }),
            }),
          ],
        })
      : undefined;
  const logger = loggerProvider?.getLogger("gastown");
  const counters = new Map<string, Counter>();
  const histograms = new Map<string, Histogram>();
  return {
    count(name, value, attrs) {
      if (!meter) return;
      const c = counters.get(name) ?? meter.createCounter(name);
      counters.set(name, c);
      c.add(value, { ...common, ...attrs });
    },
    histogram(name, value, attrs) {
      if (!meter) return;
      const h = histograms.get(name) ?? meter.createHistogram(name, { unit: "ms" });
      histograms.set(name, h);
      h.record(value, { ...common, ...attrs });
    },
    log(name, body, attrs, time) {
      logger?.emit({
        eventName: name,
        body,
        timestamp: time,
        attributes: { "event.name": name, ...common, ...attrs },
      });
    },
    async flush() {
      await Promise.all([meterProvider?.forceFlush(), loggerProvider?.forceFlush()]);
    },
  };
}
