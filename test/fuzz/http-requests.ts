// Random HTTP requests for every route the orchestrator documents (its OpenAPI document lists them,
// so new routes are fuzzed without touching this file): hostile path and query values, valid bodies
// mutated one field at a time, malformed and huge JSON, deep nesting, wrong methods and content types,
// abused headers.
import fc from "fast-check";
import { HOSTILE_STRINGS, INTEGER_EDGES, jsonValueArb, nestedJson, stringArb } from "./hostile-values.js";

export interface Route {
  method: string;
  /** OpenAPI path, e.g. /api/books/{id}. */
  path: string;
}

export interface HttpCase {
  method: string;
  /** Sent exactly as written (already percent-encoded). */
  path: string;
  headers: Record<string, string>;
  body?: string;
  kind: string;
}

/** Percent-encodes UTF-8 (a lone surrogate becomes U+FFFD, as a browser would send it). */
function encode(text: string): string {
  return [...Buffer.from(text, "utf8")]
    .map((b) =>
      /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).padStart(2, "0").toUpperCase()}`,
    )
    .join("");
}

/** Raw escapes a URL decoder has to survive: a cut escape, a non-hex one, an encoded surrogate, an overlong slash. */
const RAW_ESCAPES = ["%", "%zz", "%00", "%ED%A0%80", "%C0%AF", "%2e%2e", "%2F", "..", "%FF"];

const segmentArb = fc.oneof(stringArb.map(encode), fc.constantFrom(...RAW_ESCAPES));
const QUERY_NAMES = [
  "q",
  "limit",
  "page",
  "genre",
  "author",
  "minPrice",
  "maxPrice",
  "cart",
  "customerId",
  "id",
];

const queryArb = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_NAMES), stringArb.map(encode)), segmentArb), {
    maxLength: 4,
  })
  .map((pairs) => (pairs.length === 0 ? "" : `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}`));

const headerValueArb = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS.filter((s) => /^[\x20-\x7e]*$/.test(s))),
  fc.string({ unit: "binary-ascii", maxLength: 30 }).map((s) => s.replace(/[^\x20-\x7e]/g, "")),
  fc.constant("k".repeat(300)),
);

const contentTypeArb = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=utf-16",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/xml",
  "",
);

/** Every JSON path of a value (objects and arrays), for one-field mutations. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== "object" || value === null) return [prefix];
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? [...value.entries()]
    : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
}

type Mutation =
  | { kind: "replace"; value: unknown }
  | { kind: "delete" }
  | { kind: "add"; key: string; value: unknown };

function mutate(sample: unknown, path: (string | number)[], mutation: Mutation): unknown {
  const copy = structuredClone(sample);
  if (path.length === 0) return mutation.kind === "replace" ? mutation.value : copy;
  let parent = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (mutation.kind === "replace") parent[last] = mutation.value;
  else if (mutation.kind === "delete") delete parent[last];
  else {
    const target = parent[last];
    if (typeof target === "object" && target !== null && !Array.isArray(target)) {
      Object.defineProperty(target, mutation.key, {
        value: mutation.value,
        enumerable: true,
        configurable: true,
        writable: true,
      });
    }
  }
  return copy;
}

/** A value like the one at `path` (same type, hostile content) or of any other type. */
function replacementArb(sample: unknown, path: (string | number)[]): fc.Arbitrary<unknown> {
  let current = sample;
  for (const key of path) current = (current as Record<string | number, unknown>)[key];
  const alike =
    typeof current === "string"
      ? stringArb
      : typeof current === "number"
        ? fc.constantFrom(...INTEGER_EDGES, 2147483648, 2 ** 53, 0.5, -0)
        : jsonValueArb;
  return fc.oneof({ weight: 3, arbitrary: alike }, { weight: 1, arbitrary: jsonValueArb });
}

/** A body for a POST route: its sample mutated at one field, or JSON that is broken in some way. */
function bodyArb(sample: unknown): fc.Arbitrary<{ body: string; kind: string }> {
  const mutated = fc.constantFrom(...pathsOf(sample)).chain((path) =>
    fc
      .oneof(
        replacementArb(sample, path).map((value): Mutation => ({ kind: "replace", value })),
        fc.constant<Mutation>({ kind: "delete" }),
        fc.tuple(stringArb, jsonValueArb).map(([key, value]): Mutation => ({ kind: "add", key, value })),
      )
      .map((m) => ({
        body: JSON.stringify(mutate(sample, path, m)),
        kind: `mutated ${path.join(".")} (${m.kind})`,
      })),
  );
  const text = JSON.stringify(sample);
  return fc.oneof(
    { weight: 8, arbitrary: mutated },
    { weight: 1, arbitrary: fc.nat(text.length).map((n) => ({ body: text.slice(0, n), kind: "cut JSON" })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(10, 100, 5_000, 100_000)
        .map((d) => ({ body: nestedJson(d), kind: `nested ${d}` })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(5_000, 50_000).map((d) => ({
        body: text.replace("{", `{"deep":${nestedJson(d)},`),
        kind: `sample with nested ${d}`,
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('{"__proto__":{"x":1}}', "[]", "null", "1", '"s"', "{", "\u0000", "{}")
        .map((body) => ({ body, kind: "odd JSON" })),
    },
  );
}

/** Requests for one documented route. */
export function routeCaseArb(route: Route, samples: Map<string, () => unknown>): fc.Arbitrary<HttpCase> {
  const pathArb = fc
    .tuple(fc.array(segmentArb, { minLength: 3, maxLength: 3 }), queryArb)
    .map(([segments, query]) => {
      let i = 0;
      return route.path.replace(/\{[^}]+\}/g, () => segments[i++] as string) + query;
    });
  const rarely = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });
  const headersArb = fc
    .record({
      "idempotency-key": rarely(headerValueArb),
      "content-type": rarely(contentTypeArb),
      "x-forwarded-for": rarely(headerValueArb),
    })
    .map(
      (h) =>
        Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>,
    );
  const sample = samples.get(route.path);
  const withBody = route.method === "POST" && sample !== undefined;
  const body = withBody ? bodyArb(sample()) : fc.constant(undefined);
  return fc
    .tuple(
      pathArb,
      headersArb,
      body,
      fc.constantFrom(...Array(9).fill(route.method), "PUT", "DELETE", "PATCH"),
    )
    .map(([path, headers, b, method]) => ({
      method,
      path,
      headers: b === undefined ? headers : { "content-type": "application/json", ...headers },
      ...(b ? { body: b.body } : {}),
      kind: b ? b.kind : "parameters",
    }));
}
