import { descriptorSet } from "@bookstore/proto/descriptors";
import {
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { loadFileDescriptorSetFromBuffer } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation } from "grpc-health-check";
import type { Logger } from "./logger.js";
import { type AdminServer, startAdminServer } from "./metrics.js";
import { guardedImplementation, tolerantDefinition } from "./request-guard.js";

export interface ServiceRegistration {
  /** Fully qualified name, e.g. "bookstore.v1.FraudDetectionService" (health and reflection use it). */
  name: string;
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

export interface GrpcServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Admin HTTP port for /metrics, /livez, /readyz; omitted = none, 0 = a free port. */
  adminPort?: number;
  services: ServiceRegistration[];
  logger: Logger;
  /** How long a shutdown waits for in-flight calls before cancelling them. */
  drainTimeoutMs?: number;
}

export interface RunningGrpcServer {
  server: Server;
  port: number;
  adminPort?: number;
  health: HealthImplementation;
  /** Stops taking calls, drains the ones in flight (up to drainTimeoutMs), then closes. */
  close(): Promise<void>;
}

let reflectionDefinition: ReturnType<typeof loadFileDescriptorSetFromBuffer> | undefined;

/** A gRPC server with grpc.health.v1, reflection, and an admin HTTP port. */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const server = new Server({ "grpc.max_receive_message_length": 8 * 1024 * 1024 });
  const statuses = Object.fromEntries(options.services.map((s) => [s.name, "SERVING" as const]));
  const health = new HealthImplementation({ "": "SERVING", ...statuses });
  health.addToServer(server);
  reflectionDefinition ??= loadFileDescriptorSetFromBuffer(descriptorSet);
  // Only what this server implements: a client listing services must not find others' contracts.
  new ReflectionService(reflectionDefinition, {
    services: options.services.map((s) => s.name),
  }).addToServer(server);
  for (const s of options.services) {
    server.addService(
      tolerantDefinition(s.definition),
      guardedImplementation(s.definition, s.implementation, options.logger),
    );
  }

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${options.host}:${options.port}`, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(portError(error, options.host, options.port)) : resolve(bound),
    ),
  );
  let serving = true;
  let admin: AdminServer | undefined;
  if (options.adminPort !== undefined) {
    try {
      admin = await startAdminServer({ host: options.host, port: options.adminPort, ready: () => serving });
    } catch (error) {
      // Without this the bound gRPC port would keep the process alive after a failed start.
      server.forceShutdown();
      throw (error as NodeJS.ErrnoException).code === "EADDRINUSE"
        ? new Error(`admin port ${options.adminPort} on ${options.host} is already in use`)
        : error;
    }
  }
  const drainTimeoutMs = options.drainTimeoutMs ?? 5000;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      serving = false;
      for (const name of ["", ...Object.keys(statuses)]) health.setStatus(name, "NOT_SERVING");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          options.logger.warn({ drainTimeoutMs }, "in-flight calls did not finish in time; cancelling them");
          server.forceShutdown();
          resolve();
        }, drainTimeoutMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      await admin?.close();
    })();
    return closing;
  };
  options.logger.info(
    { port, adminPort: admin?.port, services: Object.keys(statuses) },
    "gRPC server listening",
  );
  return { server, port, adminPort: admin?.port, health, close };
}

function portError(error: Error, host: string, port: number): Error {
  return /EADDRINUSE|address already in use|No address added/i.test(error.message)
    ? new Error(`port ${port} on ${host} is already in use`)
    : error;
}
