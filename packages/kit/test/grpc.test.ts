import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { EchoServiceClient, EchoServiceService } from "@bookstore/proto";
import { credentials, loadPackageDefinition, type ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import {
  AppError,
  type CallContext,
  callUnary,
  checkHealth,
  clientFor,
  closeAllClients,
  createLogger,
  GrpcStatus,
  implement,
  type RunningGrpcServer,
  startGrpcServer,
} from "../src/index.js";

const logger = createLogger({ service: "test", level: "silent" });
type EchoHandler = (
  request: { message: string },
  context: CallContext,
) => Promise<{ message: string }> | { message: string };

async function echoServer(echo: EchoHandler, port = 0, adminPort?: number): Promise<RunningGrpcServer> {
  return startGrpcServer({
    host: "127.0.0.1",
    port,
    ...(adminPort === undefined ? {} : { adminPort }),
    logger,
    drainTimeoutMs: 2000,
    services: [
      {
        name: "bookstore.v1.EchoService",
        definition: EchoServiceService,
        implementation: implement(EchoServiceService, { echo }),
      },
    ],
  });
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: ServiceError) => e,
  );
after(() => closeAllClients());

describe("gRPC server", () => {
  it("serves grpc.health.v1 per service, and NOT_SERVING once closing", async () => {
    const server = await echoServer((r) => r);
    const address = `127.0.0.1:${server.port}`;
    assert.equal(await checkHealth(address), "SERVING");
    assert.equal(await checkHealth(address, "bookstore.v1.EchoService"), "SERVING");
    await server.close();
    assert.equal(await checkHealth(address), "UNREACHABLE");
  });

  it("serves reflection: a client can list the services", async () => {
    const server = await echoServer((r) => r);
    const protoPath = new URL(
      "../../../node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto",
      import.meta.url,
    ).pathname;
    const pkg = loadPackageDefinition(loadSync(protoPath)) as any;
    const client = new pkg.grpc.reflection.v1.ServerReflection(
      `127.0.0.1:${server.port}`,
      credentials.createInsecure(),
    );
    const names = await new Promise<string[]>((resolve, reject) => {
      const call = client.ServerReflectionInfo();
      call.on("data", (r: any) => {
        resolve(r.listServicesResponse.service.map((s: { name: string }) => s.name));
        call.end();
      });
      call.on("error", reject);
      call.write({ listServices: "" });
    });
    client.close();
    await server.close();
    assert.ok(names.includes("bookstore.v1.EchoService"), names.join(","));
    // Only what this server implements, not every contract in the descriptor set.
    assert.ok(!names.includes("bookstore.v1.FraudDetectionService"));
  });

  it("maps AppError to its status and unknown errors to INTERNAL", async () => {
    const server = await echoServer((r) => {
      if (r.message === "missing") throw AppError.notFound("no such thing");
      throw new Error("boom");
    });
    const client = clientFor(EchoServiceClient, `127.0.0.1:${server.port}`);
    const notFound = await failure(
      callUnary(client, client.echo, { message: "missing" }, { deadlineMs: 1000 }),
    );
    assert.equal(notFound?.code, GrpcStatus.NOT_FOUND);
    assert.equal(notFound?.details, "no such thing");
    const internal = await failure(callUnary(client, client.echo, { message: "x" }, { deadlineMs: 1000 }));
    assert.equal(internal?.code, GrpcStatus.INTERNAL);
    await server.close();
  });

  it("close() drains calls in flight and refuses new ones", async () => {
    const server = await echoServer(async (r) => {
      await sleep(300);
      return r;
    });
    const client = clientFor(EchoServiceClient, `127.0.0.1:${server.port}`);
    const inFlight = callUnary(client, client.echo, { message: "slow" }, { deadlineMs: 3000 });
    await sleep(50);
    const closing = server.close();
    assert.deepEqual(await inFlight, { message: "slow" });
    await closing;
    const after = await failure(callUnary(client, client.echo, { message: "late" }, { deadlineMs: 500 }));
    assert.equal(after?.code, GrpcStatus.UNAVAILABLE);
  });

  it("SIGTERM drains in-flight calls before the process exits", async () => {
    const root = new URL("../../..", import.meta.url).pathname;
    const child = spawn(process.execPath, ["--import", "tsx", "bench/support/echo-server.ts"], {
      cwd: root,
      env: { ...process.env, ECHO_DELAY_MS: "400" },
      stdio: ["ignore", "pipe", "inherit", "ipc"],
    });
    const port = await new Promise<number>((resolve) =>
      child.once("message", (m) => resolve((m as { port: number }).port)),
    );
    const client = clientFor(EchoServiceClient, `127.0.0.1:${port}`);
    const inFlight = callUnary(client, client.echo, { message: "drain me" }, { deadlineMs: 3000 });
    await sleep(100);
    child.kill("SIGTERM");
    assert.deepEqual(await inFlight, { message: "drain me" });
    assert.equal(await new Promise((resolve) => child.once("exit", resolve)), 0);
  });

  it("admin port: /metrics counts calls by method and code, /livez and /readyz answer", async () => {
    const server = await echoServer((r) => r, 0, 0);
    const client = clientFor(EchoServiceClient, `127.0.0.1:${server.port}`);
    await callUnary(client, client.echo, { message: "m" }, { deadlineMs: 1000 });
    const admin = `http://127.0.0.1:${server.adminPort}`;
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    assert.match(
      metrics,
      /grpc_server_handling_seconds_count\{method="\/bookstore\.v1\.EchoService\/Echo",code="OK"\} [1-9]/,
    );
    assert.equal((await fetch(`${admin}/livez`)).status, 200);
    assert.equal((await fetch(`${admin}/readyz`)).status, 200);
    await server.close();
  });

  it("a taken admin port fails the start and releases the gRPC port", async () => {
    const blocker = await echoServer((r) => r, 0, 0);
    const error = await echoServer((r) => r, 0, blocker.adminPort).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.match(
      error?.message ?? "",
      new RegExp(`admin port ${blocker.adminPort} on 127.0.0.1 is already in use`),
    );
    await blocker.close();
  });
});

describe("gRPC client", () => {
  it("reuses one client per service and target", () => {
    assert.equal(clientFor(EchoServiceClient, "127.0.0.1:1"), clientFor(EchoServiceClient, "127.0.0.1:1"));
  });

  it("every call has a deadline: a server that never answers gives DEADLINE_EXCEEDED on time", async () => {
    const server = await echoServer(() => new Promise(() => {}));
    const client = clientFor(EchoServiceClient, `127.0.0.1:${server.port}`);
    const t0 = Date.now();
    const error = await failure(callUnary(client, client.echo, { message: "m" }, { deadlineMs: 200 }));
    assert.equal(error?.code, GrpcStatus.DEADLINE_EXCEEDED);
    assert.ok(Date.now() - t0 < 600);
    server.server.forceShutdown();
  });

  it("an abort signal cancels the call, and the server's handler sees it", async () => {
    let serverSaw = false;
    const server = await echoServer(
      (_r, context) =>
        new Promise((_, reject) =>
          context.signal.addEventListener("abort", () => {
            serverSaw = true;
            reject(new Error("cancelled"));
          }),
        ),
    );
    const client = clientFor(EchoServiceClient, `127.0.0.1:${server.port}`);
    const controller = new AbortController();
    const pending = failure(
      callUnary(client, client.echo, { message: "m" }, { deadlineMs: 5000, signal: controller.signal }),
    );
    await sleep(50);
    controller.abort();
    assert.equal((await pending)?.code, GrpcStatus.CANCELLED);
    for (let i = 0; i < 50 && !serverSaw; i++) await sleep(10);
    assert.ok(serverSaw);
    await server.close();
  });

  it("retries idempotent calls after UNAVAILABLE, never the others", async () => {
    const probe = await echoServer((r) => r);
    const port = probe.port;
    await probe.close();
    closeAllClients();
    const client = clientFor(EchoServiceClient, `127.0.0.1:${port}`);
    const once = await failure(callUnary(client, client.echo, { message: "m" }, { deadlineMs: 2000 }));
    assert.equal(once?.code, GrpcStatus.UNAVAILABLE, "not idempotent: no retry");
    let server: RunningGrpcServer | undefined;
    setTimeout(async () => {
      server = await echoServer((r) => r, port);
    }, 150);
    const retried = await callUnary(
      client,
      client.echo,
      { message: "again" },
      { deadlineMs: 3000, idempotent: true, maxAttempts: 10 },
    );
    assert.deepEqual(retried, { message: "again" });
    await server?.close();
  });
});
