import {
  type CallOptions,
  Channel,
  type ChannelOptions,
  type Client,
  type ClientOptions,
  type ClientUnaryCall,
  credentials,
  Metadata,
  makeGenericClientConstructor,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import { grpcClientHandled, grpcClientRetries } from "./metrics.js";
import { rpcSpan } from "./rpc-trace.js";

const channelOptions: ChannelOptions = {
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
  // Retries are ours (only for idempotent calls), not the library's transparent ones.
  "grpc.enable_retries": 0,
  // Fail fast on a dead target instead of waiting for the whole deadline when reconnecting.
  "grpc.initial_reconnect_backoff_ms": 100,
  "grpc.max_reconnect_backoff_ms": 2_000,
};

const channels = new Map<string, Channel>();
const clients = new Map<string, Client>();

/** One channel per target, shared by every client of any service on that target. */
function channelFor(address: string): Channel {
  let channel = channels.get(address);
  if (!channel) {
    channel = new Channel(address, credentials.createInsecure(), channelOptions);
    channels.set(address, channel);
  }
  return channel;
}

type ClientConstructor<C> = {
  new (
    address: string,
    creds: ReturnType<typeof credentials.createInsecure>,
    options?: Partial<ClientOptions>,
  ): C;
  serviceName: string;
};

/** The client of a service at an address, created once and reused. */
export function clientFor<C extends Client>(Ctor: ClientConstructor<C>, address: string): C {
  const key = `${Ctor.serviceName}@${address}`;
  let client = clients.get(key) as C | undefined;
  if (!client) {
    client = new Ctor(address, credentials.createInsecure(), { channelOverride: channelFor(address) });
    clients.set(key, client);
  }
  return client;
}

/** Closes every cached channel (tests and shutdown). */
export function closeAllClients(): void {
  for (const client of clients.values()) client.close();
  for (const channel of channels.values()) channel.close();
  clients.clear();
  channels.clear();
}

export type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

export interface CallSettings {
  /** Deadline for the whole call including retries. Required: no call waits forever. */
  deadlineMs: number;
  /** Cancels the call in flight (the server sees CANCELLED). */
  signal?: AbortSignal;
  /** Only idempotent calls are retried, and only after UNAVAILABLE. */
  idempotent?: boolean;
  maxAttempts?: number;
  metadata?: Metadata;
}

const emptyMetadata = new Metadata();

/**
 * The wait before retry `attempt` (0 for the first retry): `baseMs` doubling up to `maxMs`, with
 * jitter (a random half of it taken off) so that callers failing together do not retry together.
 */
export function jitteredBackoff(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** attempt) * (0.5 + Math.random() / 2);
}

/**
 * Calls a unary method with a deadline, optional cancellation, and bounded retries with jittered
 * exponential backoff for idempotent calls that failed with UNAVAILABLE.
 */
export async function callUnary<Req, Res>(
  client: Client,
  method: UnaryMethod<Req, Res>,
  request: Req,
  settings: CallSettings,
): Promise<Res> {
  const started = performance.now();
  const deadline = Date.now() + settings.deadlineMs;
  const maxAttempts = settings.idempotent ? (settings.maxAttempts ?? 4) : 1;
  // Generated client methods carry their full path (/package.Service/Method).
  const label = (method as { path?: string }).path ?? (method.name || "unknown");
  const endSpan = rpcSpan("client", label, request);
  try {
    return await attempts(client, method, request, settings, { label, started, deadline, maxAttempts });
  } finally {
    endSpan();
  }
}

/** The call with its retries; `label` names the method in metrics. */
async function attempts<Req, Res>(
  client: Client,
  method: UnaryMethod<Req, Res>,
  request: Req,
  settings: CallSettings,
  {
    label,
    started,
    deadline,
    maxAttempts,
  }: { label: string; started: number; deadline: number; maxAttempts: number },
): Promise<Res> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await once(client, method, request, deadline, settings);
      grpcClientHandled.observe({ method: label, code: "OK" }, (performance.now() - started) / 1000);
      return response;
    } catch (error) {
      const code = (error as ServiceError).code;
      const backoff = jitteredBackoff(attempt - 1, 50, 1000);
      const retry =
        code === status.UNAVAILABLE &&
        attempt < maxAttempts &&
        !settings.signal?.aborted &&
        Date.now() + backoff < deadline;
      if (!retry) {
        grpcClientHandled.observe(
          { method: label, code: status[code] ?? "UNKNOWN" },
          (performance.now() - started) / 1000,
        );
        throw error;
      }
      grpcClientRetries.inc({ method: label });
      await sleep(backoff, settings.signal);
    }
  }
}

function once<Req, Res>(
  client: Client,
  method: UnaryMethod<Req, Res>,
  request: Req,
  deadline: number,
  settings: CallSettings,
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    const signal = settings.signal;
    if (signal?.aborted) {
      reject(cancelledError());
      return;
    }
    const onAbort = () => call.cancel();
    const call = method.call(
      client,
      request,
      settings.metadata ?? emptyMetadata,
      { deadline },
      (error, response) => {
        signal?.removeEventListener("abort", onAbort);
        if (error) reject(error);
        else resolve(response);
      },
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function cancelledError(): ServiceError {
  return Object.assign(new Error("1 CANCELLED: Cancelled on client"), {
    code: status.CANCELLED,
    details: "Cancelled on client",
    metadata: new Metadata(),
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

type HealthClient = Client & {
  check(
    request: { service: string },
    metadata: Metadata,
    options: Partial<CallOptions>,
    callback: (error: ServiceError | null, response: { status: string | number }) => void,
  ): ClientUnaryCall;
};

let HealthClientCtor: ClientConstructor<HealthClient> | undefined;

/** grpc.health.v1 Check of a target: "SERVING", "NOT_SERVING", or "UNREACHABLE" (with the reason). */
export async function checkHealth(address: string, service = "", deadlineMs = 1000): Promise<string> {
  if (!HealthClientCtor) {
    const { service: definition } = await import("grpc-health-check");
    HealthClientCtor = makeGenericClientConstructor(
      definition,
      "grpc.health.v1.Health",
    ) as unknown as ClientConstructor<HealthClient>;
    HealthClientCtor.serviceName = "grpc.health.v1.Health";
  }
  const client = clientFor(HealthClientCtor, address);
  try {
    const reply = await callUnary(client, client.check, { service }, { deadlineMs });
    return typeof reply.status === "number"
      ? (["UNKNOWN", "SERVING", "NOT_SERVING"][reply.status] ?? "UNKNOWN")
      : reply.status;
  } catch {
    return "UNREACHABLE";
  }
}
