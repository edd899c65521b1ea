// What every unary gRPC method gets before its handler runs, so that no service has to think of it:
// bytes that do not decode (or an int64 beyond what a JavaScript number holds exactly, which the
// generated decoder throws on) and strings holding a NUL or a lone surrogate are refused with
// INVALID_ARGUMENT naming the field. A handler that throws, or whose error reply cannot be built,
// answers INTERNAL for that call alone, logged with the method; the process stays up.
import { descriptorSet } from "@bookstore/proto/descriptors";
import { createFileRegistry, type DescMessage, fromBinary, type Registry } from "@bufbuild/protobuf";
import { type ReflectMessage, reflect } from "@bufbuild/protobuf/reflect";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import {
  type ServerUnaryCall,
  type ServiceDefinition,
  type sendUnaryData,
  status,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { AppError, type FieldProblem, toServiceError } from "./errors.js";
import type { Logger } from "./logger.js";
import { rpcSpan } from "./rpc-trace.js";
import { quote, unsafeTextProblem } from "./safe-text.js";

/** What a request deserializer returns instead of throwing: the call is refused with this problem. */
export class UndecodableRequest {
  constructor(readonly problem: FieldProblem) {}
}

let registry: Registry | undefined;

/** The request message type of a method path (/bookstore.v1.Service/Method), from the descriptors. */
function requestTypeOf(path: string): DescMessage | undefined {
  registry ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, descriptorSet));
  const [, serviceName = "", methodName = ""] = path.split("/");
  return registry.getService(serviceName)?.methods.find((m) => m.name === methodName)?.input;
}

function isReflectMessage(value: unknown): value is ReflectMessage {
  return typeof value === "object" && value !== null && "desc" in value && "isSet" in value;
}

/** The path of the first 64-bit integer that a JavaScript number cannot hold exactly. */
function unsafeIntegerPath(message: ReflectMessage, prefix: string): string | undefined {
  for (const field of message.fields) {
    if (!message.isSet(field)) continue;
    const name = prefix ? `${prefix}.${field.name}` : field.name;
    const value: unknown = message.get(field);
    const items: [string, unknown][] =
      field.fieldKind === "list"
        ? [...(value as Iterable<unknown>)].map((v, i) => [`${name}[${i}]`, v])
        : field.fieldKind === "map"
          ? [...(value as Map<unknown, unknown>)].map(([k, v]) => [`${name}[${quote(String(k), 32)}]`, v])
          : [[name, value]];
    for (const [where, item] of items) {
      if (typeof item === "bigint" && !Number.isSafeInteger(Number(item))) return where;
      if (isReflectMessage(item)) {
        const inner = unsafeIntegerPath(item, where);
        if (inner) return inner;
      }
    }
  }
  return undefined;
}

/** Why `bytes` did not decode as the request of `path`, naming the field where it can. */
export function describeUndecodable(path: string, bytes: Uint8Array): FieldProblem {
  const type = requestTypeOf(path);
  const whole = { field: "request", message: `the request is not a valid ${type?.typeName ?? "message"}` };
  if (!type) return whole;
  let decoded: ReflectMessage;
  try {
    decoded = reflect(type, fromBinary(type, bytes));
  } catch {
    return whole;
  }
  const field = unsafeIntegerPath(decoded, "");
  if (!field) return whole;
  return {
    field,
    message: `${field} must be between -(2^53 - 1) and 2^53 - 1 (a larger 64-bit integer is not accepted)`,
  };
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

const join = (path: string, name: string) => (path ? `${path}.${name}` : name);

/** A ts-proto oneof value ({$case, value}): its chosen field stands for it in proto paths. */
function isOneof(value: unknown): value is { $case: string; value: unknown } {
  return (
    typeof value === "object" && value !== null && typeof (value as { $case?: unknown }).$case === "string"
  );
}

/**
 * The first string (or map key) in a decoded request that no service should see, with its field
 * path in proto names (`operations[2].decrement_stock.request_id`).
 */
export function unsafeStringIn(value: unknown, path = ""): FieldProblem | undefined {
  const where = path || "request";
  if (typeof value === "string") {
    const problem = unsafeTextProblem(value);
    return problem ? { field: where, message: `${where} ${problem}` } : undefined;
  }
  if (typeof value !== "object" || value === null || value instanceof Uint8Array) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unsafeStringIn(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (isOneof(value)) return unsafeStringIn(value.value, join(path, snakeCase(value.$case)));
  for (const [key, item] of Object.entries(value)) {
    const keyProblem = unsafeTextProblem(key);
    if (keyProblem) return { field: where, message: `a key of ${where} ${keyProblem}` };
    const found = unsafeStringIn(item, isOneof(item) ? path : join(path, snakeCase(key)));
    if (found) return found;
  }
  return undefined;
}

type UnaryImplementation = (
  call: ServerUnaryCall<unknown, unknown>,
  callback: sendUnaryData<unknown>,
) => void;

/** The definition with deserializers that return UndecodableRequest instead of throwing. */
export function tolerantDefinition(definition: ServiceDefinition): ServiceDefinition {
  const out: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    if (method.requestStream || method.responseStream) {
      out[name] = method;
      continue;
    }
    out[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return method.requestDeserialize(bytes);
        } catch {
          return new UndecodableRequest(describeUndecodable(method.path, bytes));
        }
      },
    };
  }
  return out as ServiceDefinition;
}

/** Every unary method of `implementation` behind the checks above and a last-resort INTERNAL. */
export function guardedImplementation(
  definition: ServiceDefinition,
  implementation: UntypedServiceImplementation,
  logger: Logger,
): UntypedServiceImplementation {
  const out: UntypedServiceImplementation = { ...implementation };
  for (const [name, method] of Object.entries(definition)) {
    const inner = implementation[name] as UnaryImplementation | undefined;
    if (!inner || method.requestStream || method.responseStream) continue;
    out[name] = guardUnary(method.path, inner, logger);
  }
  return out;
}

function guardUnary(method: string, inner: UnaryImplementation, logger: Logger): UnaryImplementation {
  const refuse = (callback: sendUnaryData<unknown>, problem: FieldProblem) =>
    callback(toServiceError(AppError.invalid([problem])));
  return (call, callback) => {
    let answered = false;
    const endSpan = rpcSpan("server", method, call.request);
    const reply: sendUnaryData<unknown> = (error, response) => {
      if (answered) return;
      answered = true;
      endSpan();
      if (error && (error.code === status.INTERNAL || error.code === status.UNKNOWN)) {
        logger.error({ method, err: (error as { cause?: unknown }).cause ?? error }, "call failed");
      }
      try {
        callback(error, response);
      } catch (failure) {
        logger.error({ method, err: failure }, "could not send the reply");
        callback({ code: status.INTERNAL, details: "internal error" });
      }
    };
    try {
      if (call.request instanceof UndecodableRequest) return refuse(reply, call.request.problem);
      const unsafe = unsafeStringIn(call.request);
      if (unsafe) return refuse(reply, unsafe);
      inner(call, reply);
    } catch (error) {
      reply(toServiceError(error) as Parameters<typeof reply>[0], null);
    }
  };
}
