// The HTTP edge's refusals of what no route should have to think about: JSON nested deeper than any
// body we accept, prototype keys, strings with a NUL or a lone surrogate (in the body, the query and
// the path), and over-long or non-ASCII idempotency keys. Each is a 400 naming where it was found.
// A body over the size limit is read to its end (up to a bound) before the 413 goes out, so a
// client still sending can read the answer instead of a broken pipe.

import type { Socket } from "node:net";
import { quote, unsafeTextProblem } from "@bookstore/kit";
import type { FastifyError, FastifyInstance, FastifyRequest } from "fastify";
import { type Detail, errorBody } from "./http-errors.js";

/** Deeper than any body the API accepts (the checkout is 3 levels). */
export const MAX_JSON_DEPTH = 32;
/** Keys that reach an object's prototype in JavaScript: refused wherever they appear. */
const PROTOTYPE_KEYS = new Set(["__proto__", "constructor", "prototype"]);
/** How much of an oversized body is read and thrown away so the client can read the 413. */
const DRAIN_LIMIT_BYTES = 16 << 20;
const DRAIN_TIMEOUT_MS = 10_000;

/** A refusal of the request as a whole: 400 with every problem found. */
export class RequestRefused extends Error {
  readonly statusCode = 400;
  constructor(
    readonly details: Detail[],
    readonly code = "INVALID_REQUEST",
    message = `invalid request: ${details.map((d) => d.message).join("; ")}`,
  ) {
    super(message);
  }
}

function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : quote(key, 40);
  return path ? `${path}.${name}` : name;
}

/** The first problem in a parsed JSON value, found without recursion (the input may be very deep). */
export function jsonProblem(root: unknown, rootName = "body"): Detail | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: root, path: "", depth: 0 }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { value, path, depth } = item;
    const where = path || rootName;
    if (typeof value === "string") {
      const problem = unsafeTextProblem(value);
      if (problem) return { field: where, message: `${where} ${problem}` };
      continue;
    }
    if (typeof value !== "object" || value === null) continue;
    if (depth >= MAX_JSON_DEPTH) {
      return { field: where, message: `${where} is nested deeper than ${MAX_JSON_DEPTH} levels` };
    }
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? [...value.entries()]
      : Object.entries(value);
    for (const [key, child] of entries) {
      const at = childPath(path, key);
      if (typeof key === "string") {
        if (PROTOTYPE_KEYS.has(key)) return { field: at, message: `${at}: the key "${key}" is not allowed` };
        const problem = unsafeTextProblem(key);
        if (problem) return { field: where, message: `a key in ${where} ${problem}` };
      }
      stack.push({ value: child, path: at, depth: depth + 1 });
    }
  }
  return undefined;
}

/** Query string and path parameters: the same string rules as the body. */
function parameterProblem(request: FastifyRequest): Detail | undefined {
  for (const source of [request.params, request.query]) {
    if (source && typeof source === "object") {
      const found = jsonProblem(source, "parameters");
      if (found) return found;
    }
  }
  return undefined;
}

/** Reads and discards the rest of a request body, up to a bound; resolves when done or given up. */
function drain(request: FastifyRequest): Promise<void> {
  const raw = request.raw;
  if (raw.complete || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const finish = () => {
      clearTimeout(timer);
      raw.off("data", onData).off("end", finish).off("error", finish);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > DRAIN_LIMIT_BYTES) finish();
    };
    const timer = setTimeout(finish, DRAIN_TIMEOUT_MS);
    raw.on("data", onData).on("end", finish).on("error", finish);
    raw.resume();
  });
}

/** Installs the JSON parser and the checks above on the app (before its routes). */
export function registerRequestGuards(app: FastifyInstance): void {
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === "")
      return done(
        new RequestRefused([
          { field: "body", message: "the request body is empty; a JSON object is expected" },
        ]),
      );
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      const message = `the request body is not valid JSON: ${(error as SyntaxError).message}`;
      return done(new RequestRefused([{ field: "body", message }], "MALFORMED_JSON", message));
    }
    const problem = jsonProblem(parsed);
    if (problem) return done(new RequestRefused([problem]));
    done(null, parsed);
  });
  app.addHook("preValidation", async (request) => {
    const problem = parameterProblem(request);
    if (problem) throw new RequestRefused([problem]);
    const key = request.headers["idempotency-key"];
    if (key !== undefined && key !== "" && (typeof key !== "string" || !/^[\x21-\x7e]{1,200}$/.test(key))) {
      throw new RequestRefused([
        {
          field: "Idempotency-Key",
          message: "Idempotency-Key must be 1-200 printable ASCII characters without spaces",
        },
      ]);
    }
  });
}

/** The 413 for an oversized body, sent once the client has finished sending it. */
export async function payloadTooLarge(request: FastifyRequest) {
  await drain(request);
  return errorBody("PAYLOAD_TOO_LARGE", "the request body is too large");
}

/** Errors Fastify raises before routing (a URL whose escapes do not decode), in our shape. */
export function frameworkError(error: FastifyError): { status: number; body: ReturnType<typeof errorBody> } {
  if (error.code === "FST_ERR_BAD_URL") {
    const message = "url: a percent-escape in the path does not decode to UTF-8";
    return { status: 400, body: errorBody("INVALID_REQUEST", message, [{ field: "url", message }]) };
  }
  return {
    status: 400,
    body: errorBody("INVALID_REQUEST", "the request could not be routed", [
      { field: "url", message: "the request could not be routed" },
    ]),
  };
}

/**
 * A request Node's HTTP parser could not read (bad header, bad framing): answered in our shape
 * on the raw socket, since no request object exists. 431 for oversized headers, 408 for a timeout.
 */
export function unparsableRequest(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed || !socket.writable) return;
  const [status, field, message] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? [431, "headers", "headers: larger than the server accepts"]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "request", "request: not received in time"]
        : [
            400,
            "request",
            `request: not valid HTTP (${String(error.code ?? "parse error").replace(/[^\w]/g, "")})`,
          ];
  const body = JSON.stringify(
    errorBody(status === 400 ? "MALFORMED_REQUEST" : "REQUEST_REFUSED", message, [{ field, message }]),
  );
  socket.end(
    `HTTP/1.1 ${status} ${status === 431 ? "Request Header Fields Too Large" : status === 408 ? "Request Timeout" : "Bad Request"}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
