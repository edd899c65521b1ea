import { Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { asciiOnly, truncate } from "./safe-text.js";

export { status as GrpcStatus } from "@grpc/grpc-js";

export interface FieldProblem {
  field: string;
  message: string;
  rule?: string;
}

const VIOLATIONS_KEY = "x-field-violations";

/** An error as a value: a gRPC status code, a message, and the fields it is about. */
export class AppError extends Error {
  constructor(
    readonly code: status,
    message: string,
    readonly violations: FieldProblem[] = [],
    /** Machine-readable extras sent as response metadata (e.g. a vector clock). */
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
    this.name = "AppError";
  }

  static invalid(violations: FieldProblem[], message?: string): AppError {
    return new AppError(
      status.INVALID_ARGUMENT,
      message ?? violations.map((v) => `${v.field}: ${v.message}`).join("; "),
      violations,
    );
  }
  static notFound(message: string): AppError {
    return new AppError(status.NOT_FOUND, message);
  }
  static failedPrecondition(message: string, extra: Record<string, string> = {}): AppError {
    return new AppError(status.FAILED_PRECONDITION, message, [], extra);
  }
  static unavailable(message: string): AppError {
    return new AppError(status.UNAVAILABLE, message);
  }
}

// Error replies travel as HTTP/2 headers: printable ASCII, and small enough that no peer refuses
// them. Everything a caller typed can end up in them, so they are escaped and capped here.
const MAX_DETAILS_CHARS = 1024;
const MAX_METADATA_VALUE_CHARS = 4096;
const MAX_VIOLATIONS_HEADER_CHARS = 8192;
const MAX_VIOLATION_FIELD_CHARS = 200;
const MAX_VIOLATION_MESSAGE_CHARS = 500;

/** The violations as one header value: JSON with non-ASCII escaped, the list cut to fit. */
function violationsHeader(violations: FieldProblem[]): string {
  const capped = violations.slice(0, 100).map((v) => ({
    ...v,
    field: truncate(v.field, MAX_VIOLATION_FIELD_CHARS),
    message: truncate(v.message, MAX_VIOLATION_MESSAGE_CHARS),
  }));
  for (let n = capped.length; n > 0; n--) {
    const text = asciiOnly(JSON.stringify(capped.slice(0, n)));
    if (text.length <= MAX_VIOLATIONS_HEADER_CHARS) return text;
  }
  return "[]";
}

/** A status message safe to send: well-formed, capped (grpc-js percent-encodes it). */
function safeDetails(details: string): string {
  return truncate(details.toWellFormed(), MAX_DETAILS_CHARS);
}

/**
 * The gRPC error a server sends for any thrown value; unknown errors become INTERNAL, with the
 * original kept as a non-enumerable `cause` for the server's log (never sent).
 */
export function toServiceError(error: unknown): Partial<ServiceError> {
  if (error instanceof AppError) {
    const metadata = new Metadata();
    if (error.violations.length > 0) metadata.set(VIOLATIONS_KEY, violationsHeader(error.violations));
    for (const [key, value] of Object.entries(error.extra)) {
      metadata.set(key, asciiOnly(truncate(value, MAX_METADATA_VALUE_CHARS)));
    }
    return { code: error.code, details: safeDetails(error.message), metadata };
  }
  if (isServiceError(error)) {
    return { code: error.code, details: safeDetails(error.details ?? ""), metadata: error.metadata };
  }
  const internal: Partial<ServiceError> = { code: status.INTERNAL, details: "internal error" };
  Object.defineProperty(internal, "cause", { value: error, enumerable: false });
  return internal;
}

export function isServiceError(error: unknown): error is ServiceError {
  return (
    typeof error === "object" &&
    error !== null &&
    typeof (error as ServiceError).code === "number" &&
    "metadata" in error
  );
}

/** Field violations carried by an INVALID_ARGUMENT error from another service. */
export function violationsOf(error: ServiceError): FieldProblem[] {
  const raw = error.metadata?.get(VIOLATIONS_KEY)[0];
  if (typeof raw !== "string") return [];
  try {
    return JSON.parse(raw) as FieldProblem[];
  } catch {
    return [];
  }
}

/** The one place gRPC status codes map to HTTP statuses. */
export function httpStatusFor(code: status): number {
  switch (code) {
    case status.OK:
      return 200;
    case status.INVALID_ARGUMENT:
    case status.OUT_OF_RANGE:
      return 400;
    case status.UNAUTHENTICATED:
      return 401;
    case status.PERMISSION_DENIED:
      return 403;
    case status.NOT_FOUND:
      return 404;
    case status.ALREADY_EXISTS:
    case status.ABORTED:
      return 409;
    case status.FAILED_PRECONDITION:
      return 422;
    case status.RESOURCE_EXHAUSTED:
      return 429;
    case status.CANCELLED:
      return 499;
    case status.UNIMPLEMENTED:
      return 501;
    case status.UNAVAILABLE:
      return 503;
    case status.DEADLINE_EXCEEDED:
      return 504;
    default:
      return 500;
  }
}
