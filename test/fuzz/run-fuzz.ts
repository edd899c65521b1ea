// Sends the fuzzers' requests to a running system and checks every answer against the rule of
// issue 10: never a 5xx, INTERNAL, crash or hang; every refusal of input names the field; no stack
// trace, internal path or card number in any answer.
import { request } from "node:http";
import {
  Client,
  credentials,
  loadPackageDefinition,
  Metadata,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import fc from "fast-check";
import { registry, requestBytesArb, unaryMethods } from "./grpc-messages.js";
import { CARD_LIKE, INTERNALS } from "./hostile-values.js";
import { type HttpCase, type Route, routeCaseArb } from "./http-requests.js";

export interface Violation {
  target: string;
  rule: string;
  /** What was sent, cut short. */
  sent: string;
  answer: string;
}

export interface FuzzReport {
  sent: number;
  /** Answers by HTTP status or gRPC code name. */
  outcomes: Map<string, number>;
  violations: Violation[];
  /**
   * Accepted requests: gRPC calls answered OK (their request bytes as text: keys and ids show in
   * it), and the order ids HTTP checkouts answered with (as request text too).
   */
  accepted: { path: string; request: string }[];
}

const cut = (text: string, max = 300) =>
  text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
const ANSWER_TIMEOUT_MS = 10_000;

function newReport(): FuzzReport {
  return { sent: 0, outcomes: new Map(), violations: [], accepted: [] };
}

function count(report: FuzzReport, outcome: string): void {
  report.sent++;
  report.outcomes.set(outcome, (report.outcomes.get(outcome) ?? 0) + 1);
}

/** Runs `work` over `items`, `concurrency` at a time. */
async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

// ---- HTTP ------------------------------------------------------------------------------------------

interface HttpAnswer {
  status: number;
  text: string;
  contentType: string;
}

function send(baseUrl: string, c: HttpCase): Promise<HttpAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: c.method,
        path: c.path,
        headers: c.headers,
        timeout: ANSWER_TIMEOUT_MS,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            text: Buffer.concat(chunks).toString("utf8"),
            contentType: String(response.headers["content-type"] ?? ""),
          }),
        );
      },
    );
    req.on("timeout", () => req.destroy(new Error("no answer in time")));
    req.on("error", reject);
    req.end(c.body);
  });
}

/** The routes the orchestrator documents, from its OpenAPI document. */
export async function documentedRoutes(baseUrl: string): Promise<Route[]> {
  const doc = (await (await fetch(`${baseUrl}/docs/json`)).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })),
  );
}

function httpViolations(c: HttpCase, a: HttpAnswer): string[] {
  const found: string[] = [];
  if (a.status >= 500) found.push(`answered ${a.status}`);
  if (INTERNALS.test(a.text)) found.push("shows internals");
  const card = c.body?.match(/"number"\s*:\s*"(\d{13,19})"/)?.[1];
  if (card && a.text.includes(card)) found.push("echoes the card number");
  if (!a.contentType.includes("application/json")) return found;
  let body: { error?: { code?: string; details?: { field?: string }[] } };
  try {
    body = JSON.parse(a.text);
  } catch {
    return [...found, "answered JSON that does not parse"];
  }
  const named =
    (body.error?.details ?? []).length > 0 &&
    body.error?.details?.every((d) => typeof d.field === "string" && d.field !== "");
  if (a.status === 400 && !named) found.push("a 400 that names no field");
  if (a.status === 422 && body.error?.code === "ORDER_REJECTED" && !named)
    found.push("a rejection that names no field");
  return found;
}

export async function fuzzHttp(
  baseUrl: string,
  samples: Map<string, () => unknown>,
  options: { runs: number; seed: number; concurrency?: number },
): Promise<FuzzReport> {
  const routes = await documentedRoutes(baseUrl);
  const arb = fc.oneof(...routes.map((r) => routeCaseArb(r, samples)));
  const cases = fc.sample(arb, { seed: options.seed, numRuns: options.runs });
  const report = newReport();
  await pool(cases, options.concurrency ?? 8, async (c) => {
    const sent = cut(`${c.method} ${c.path} ${JSON.stringify(c.headers)} [${c.kind}] ${c.body ?? ""}`, 600);
    try {
      const answer = await send(baseUrl, c);
      count(report, String(answer.status));
      const orderId = answer.status < 300 ? answer.text.match(/"orderId":"([^"]+)"/)?.[1] : undefined;
      if (orderId) report.accepted.push({ path: c.path, request: orderId });
      for (const rule of httpViolations(c, answer)) {
        report.violations.push({ target: "http", rule, sent, answer: cut(answer.text) });
      }
    } catch (error) {
      count(report, "no answer");
      report.violations.push({ target: "http", rule: "no answer", sent, answer: String(error) });
    }
  });
  return report;
}

// ---- gRPC ------------------------------------------------------------------------------------------

type ReflectionClient = Client & {
  ServerReflectionInfo(): NodeJS.EventEmitter & { write(m: unknown): void; end(): void };
};

/** The services a server offers, asked through gRPC reflection. */
export async function servicesAt(address: string): Promise<string[]> {
  const protoPath = new URL(
    "../../node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto",
    import.meta.url,
  ).pathname;
  const pkg = loadPackageDefinition(loadSync(protoPath)) as unknown as {
    grpc: { reflection: { v1: { ServerReflection: new (a: string, c: unknown) => ReflectionClient } } };
  };
  const client = new pkg.grpc.reflection.v1.ServerReflection(address, credentials.createInsecure());
  try {
    return await new Promise<string[]>((resolve, reject) => {
      const call = client.ServerReflectionInfo();
      call.on("data", (r: { listServicesResponse: { service: { name: string }[] } }) => {
        resolve(r.listServicesResponse.service.map((s) => s.name));
        call.end();
      });
      call.on("error", reject);
      call.write({ listServices: "" });
    });
  } finally {
    client.close();
  }
}

interface GrpcCase {
  address: string;
  path: string;
  bytes: Uint8Array;
  kind: string;
  init?: unknown;
}

const asJson = (value: unknown) =>
  JSON.stringify(value ?? "", (_k, v) => (typeof v === "bigint" ? `${v}n` : v));

function describe(c: GrpcCase): string {
  const shown = c.init === undefined ? Buffer.from(c.bytes).toString("hex") : asJson(c.init);
  return cut(`${c.path} [${c.kind}] ${shown}`);
}

function call(client: Client, c: GrpcCase): Promise<ServiceError | null> {
  return new Promise((resolve) =>
    client.makeUnaryRequest(
      c.path,
      (b: Uint8Array) => Buffer.from(b),
      (b: Buffer) => b,
      c.bytes,
      new Metadata(),
      { deadline: Date.now() + ANSWER_TIMEOUT_MS },
      (error) => resolve(error),
    ),
  );
}

function grpcViolations(c: GrpcCase, error: ServiceError | null): string[] {
  if (!error) return [];
  const found: string[] = [];
  if ([status.INTERNAL, status.UNKNOWN, status.UNAVAILABLE].includes(error.code))
    found.push(`answered ${status[error.code]}`);
  if (error.code === status.DEADLINE_EXCEEDED) found.push("no answer in time");
  if (INTERNALS.test(error.details ?? "")) found.push("shows internals");
  if (error.code === status.INVALID_ARGUMENT) {
    const raw = error.metadata.get("x-field-violations")[0];
    const violations = typeof raw === "string" ? (JSON.parse(raw) as { field?: string }[]) : [];
    if (violations.length === 0 || violations.some((v) => !v.field))
      found.push("INVALID_ARGUMENT that names no field");
  }
  const card = asJson(c.init).match(/"number":"(\d{13,19})"/)?.[1];
  if (card && CARD_LIKE.test(error.details ?? "") && (error.details ?? "").includes(card))
    found.push("echoes the card number");
  return found;
}

/**
 * Fuzzes every unary method of every bookstore service found at `addresses`, `runs` requests per
 * method. Raft's message stream (client streaming) is not fuzzed here: it refuses any stream without
 * the cluster token before reading a message.
 */
export async function fuzzGrpc(
  addresses: string[],
  options: { runs: number; seed: number; concurrency?: number },
): Promise<FuzzReport> {
  const cases: GrpcCase[] = [];
  let seed = options.seed;
  for (const address of addresses) {
    for (const name of (await servicesAt(address)).filter((n) => n.startsWith("bookstore."))) {
      const service = registry.getService(name);
      if (!service) continue;
      for (const m of unaryMethods(service)) {
        for (const sample of fc.sample(requestBytesArb(m.input), { seed: seed++, numRuns: options.runs })) {
          cases.push({ address, path: m.path, ...sample });
        }
      }
    }
  }
  const clients = new Map(addresses.map((a) => [a, new Client(a, credentials.createInsecure())]));
  const report = newReport();
  try {
    await pool(cases, options.concurrency ?? 8, async (c) => {
      const error = await call(clients.get(c.address) as Client, c);
      count(report, error ? status[error.code] : "OK");
      // The whole request, readable: what changed state must be explainable by an accepted call.
      if (!error) report.accepted.push({ path: c.path, request: Buffer.from(c.bytes).toString("latin1") });
      for (const rule of grpcViolations(c, error)) {
        report.violations.push({
          target: c.address,
          rule,
          sent: describe(c),
          answer: cut(error?.details ?? ""),
        });
      }
    });
  } finally {
    for (const client of clients.values()) client.close();
  }
  return report;
}
