import type {
  Metadata,
  ServerUnaryCall,
  ServiceDefinition,
  sendUnaryData,
  UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { status } from "@grpc/grpc-js";
import { toServiceError } from "./errors.js";
import { grpcServerHandled } from "./metrics.js";

/** What a handler gets besides the request. `signal` aborts when the client cancels or its deadline passes. */
export interface CallContext {
  signal: AbortSignal;
  metadata: Metadata;
  peer: string;
}

export type UnaryHandler<Req, Res> = (request: Req, context: CallContext) => Promise<Res> | Res;

type RequestOf<M> = M extends { requestDeserialize: (bytes: Buffer) => infer R } ? R : never;
type ResponseOf<M> = M extends { responseSerialize: (value: infer R) => Buffer } ? R : never;

type Unary = { requestStream: false; responseStream: false };

/** A handler for each unary method of a service (streaming methods are implemented by hand). */
export type UnaryHandlers<S> = {
  [K in keyof S as S[K] extends Unary ? K : never]: UnaryHandler<RequestOf<S[K]>, ResponseOf<S[K]>>;
};

/** The call's context; its AbortSignal is only built for handlers that look at it. */
function contextOf(call: ServerUnaryCall<unknown, unknown>): CallContext {
  let controller: AbortController | undefined;
  return {
    get signal() {
      if (!controller) {
        const created = new AbortController();
        controller = created;
        if (call.cancelled) created.abort();
        else call.once("cancelled", () => created.abort());
      }
      return controller.signal;
    },
    metadata: call.metadata,
    get peer() {
      return call.getPeer();
    },
  };
}

/**
 * Turns async handlers into a grpc-js implementation of a unary service: thrown AppErrors become
 * their gRPC status, anything else INTERNAL; every call is timed by method and code.
 */
export function implement<S extends ServiceDefinition>(
  definition: S,
  handlers: UnaryHandlers<S>,
): UntypedServiceImplementation {
  const implementation: UntypedServiceImplementation = {};
  for (const name of Object.keys(definition) as (keyof S & string)[]) {
    if (definition[name]?.requestStream || definition[name]?.responseStream) continue;
    const method = definition[name]?.path ?? name;
    const handler = (handlers as Record<string, UnaryHandler<unknown, unknown>>)[name] as UnaryHandler<
      unknown,
      unknown
    >;
    implementation[name] = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      const started = performance.now();
      const finish = (code: status) =>
        grpcServerHandled.observe({ method, code: status[code] }, (performance.now() - started) / 1000);
      let pending: Promise<unknown> | unknown;
      try {
        pending = handler(call.request, contextOf(call));
      } catch (error) {
        pending = Promise.reject(error);
      }
      Promise.resolve(pending)
        .then(
          (response) => {
            finish(status.OK);
            callback(null, response);
          },
          (error: unknown) => {
            const serviceError = toServiceError(error);
            finish(serviceError.code ?? status.INTERNAL);
            callback(serviceError);
          },
        )
        // Replying itself failed: never an unhandled rejection (it would stop the process).
        .catch((error: unknown) => callback(toServiceError(error)));
    };
  }
  return implementation;
}
