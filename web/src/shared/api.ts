// JSON over fetch against the orchestrator on the same origin. Errors arrive in the API's shape,
// {"error":{"code","message","details":[{"field","message"}]}}, and become an ApiError that keeps
// them, so a form can put each message at its field.

export interface FieldProblem {
  field: string;
  message: string;
  rule?: string;
}

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldProblem[] = [],
  ) {
    super(message);
  }
}

interface ErrorShape {
  error?: { code?: string; message?: string; details?: FieldProblem[] };
}

/** GET or POST JSON; throws ApiError for a non-2xx answer, and lets an AbortError through. */
export async function api<T>(
  path: string,
  init: {
    method?: "GET" | "POST";
    body?: unknown;
    headers?: Record<string, string>;
    signal?: AbortSignal;
  } = {},
): Promise<T> {
  const response = await fetch(path, {
    method: init.method ?? "GET",
    headers: {
      accept: "application/json",
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      ...init.headers,
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  const body = (await response.json().catch(() => ({}))) as T & ErrorShape;
  if (!response.ok) {
    const e = body.error ?? {};
    throw new ApiError(
      response.status,
      e.code ?? "HTTP_ERROR",
      e.message ?? `the server answered ${response.status}`,
      e.details ?? [],
    );
  }
  return body;
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

/** What to show a person for a failed call. */
export function problemText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return "The shop cannot be reached. Check your connection and try again.";
  return error instanceof Error ? error.message : String(error);
}
