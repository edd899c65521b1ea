import { STATUS_CODES } from "node:http";
import type { FastifyError } from "fastify";

export interface Detail {
  field: string;
  message: string;
}

/** The seed's error shape (its web client shows error.message), plus one detail per problem. */
export interface ErrorBody {
  error: { code: string; message: string; details?: Detail[] };
}

export function errorBody(code: string, message: string, details?: Detail[]): ErrorBody {
  return { error: details && details.length > 0 ? { code, message, details } : { code, message } };
}

/** Ajv's instance path "/items/0/quantity" as the body's field path "items[0].quantity". */
function fieldPath(instancePath: string, child?: string): string {
  const parts = instancePath.split("/").filter((p) => p.length > 0);
  if (child) parts.push(child);
  return parts.reduce(
    (path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part),
    "",
  );
}

type AjvError = NonNullable<FastifyError["validation"]>[number];

/** One detail per schema violation; the branch errors of anyOf collapse into one. */
export function schemaDetails(errors: AjvError[]): Detail[] {
  const details: Detail[] = [];
  for (const e of errors) {
    if (e.schemaPath.includes("/anyOf/")) continue;
    const params = e.params as Record<string, unknown>;
    if (e.keyword === "required") {
      const field = fieldPath(e.instancePath, String(params.missingProperty));
      details.push({ field, message: `${field} is required` });
    } else if (e.keyword === "additionalProperties") {
      const field = fieldPath(e.instancePath, String(params.additionalProperty));
      details.push({ field, message: `${field} is not a known field` });
    } else if (e.keyword === "anyOf") {
      const field = fieldPath(e.instancePath) || "body";
      details.push({ field, message: `${field} needs a name or an id` });
    } else {
      const field = fieldPath(e.instancePath) || "body";
      details.push({ field, message: `${field} ${e.message ?? "is invalid"}` });
    }
  }
  return details;
}

/** Fastify's own refusal of a body that is not JSON, as status, code and message. */
export function requestError(error: FastifyError): { status: number; body: ErrorBody } | undefined {
  if (error.code !== "FST_ERR_CTP_INVALID_MEDIA_TYPE") return undefined;
  return {
    status: 415,
    body: errorBody(
      "UNSUPPORTED_MEDIA_TYPE",
      "the request body must be JSON (Content-Type: application/json)",
    ),
  };
}

/** The code of a 4xx raised by the framework or a plugin, e.g. 403 → "FORBIDDEN". */
export function clientErrorCode(status: number): string {
  if (status === 400) return "INVALID_REQUEST";
  return (STATUS_CODES[status] ?? "client error").toUpperCase().replace(/[^A-Z]+/g, "_");
}

/** Its message: the status's standard words only, never the raising code's (it may hold a path). */
export function clientErrorMessage(status: number): string {
  return (STATUS_CODES[status] ?? "client error").toLowerCase();
}
