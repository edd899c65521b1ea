// Regressions of issue 10 on the gRPC side: one hostile request must never stop a process, leave a
// call unanswered, or answer INTERNAL for input that decodes.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import {
  DatabaseServiceClient,
  DatabaseServiceService,
  EchoServiceClient,
  EchoServiceService,
} from "@bookstore/proto";
import { Client, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import {
  AppError,
  asciiOnly,
  callUnary,
  closeAllClients,
  createLogger,
  GrpcStatus,
  implement,
  type RunningGrpcServer,
  startGrpcServer,
  toServiceError,
  type UnaryHandlers,
  unsafeStringIn,
  violationsOf,
} from "../src/index.js";

const lines: string[] = [];
const logger = createLogger({ service: "test", destination: { write: (l) => lines.push(l) } });

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => assert.fail("the call should have failed"),
    (e: ServiceError) => e,
  );

const servers: RunningGrpcServer[] = [];
after(async () => {
  closeAllClients();
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(registration: Parameters<typeof startGrpcServer>[0]["services"][number]) {
  const server = await startGrpcServer({ host: "127.0.0.1", port: 0, logger, services: [registration] });
  servers.push(server);
  return `127.0.0.1:${server.port}`;
}

/** An echo server whose handler does what the test says with the message. */
async function echoServer(echo: (message: string) => string | Promise<string>) {
  let calls = 0;
  const address = await serve({
    name: "bookstore.v1.EchoService",
    definition: EchoServiceService,
    implementation: implement(EchoServiceService, {
      echo: async ({ message }) => {
        calls++;
        return { message: await echo(message) };
      },
    }),
  });
  const client = new EchoServiceClient(address, credentials.createInsecure());
  const call = (message: string) => callUnary(client, client.echo, { message }, { deadlineMs: 3000 });
  return { call, calls: () => calls };
}

describe("error replies are always sendable", () => {
  it("violations with non-ASCII text travel escaped and come back as they were (finding 1)", async () => {
    const echo = await echoServer((m) => {
      throw AppError.invalid([{ field: "cart_book_ids[0]", message: `no book with id "${m}"` }]);
    });
    const error = await failure(echo.call("café \u007f 书"));
    assert.equal(error.code, GrpcStatus.INVALID_ARGUMENT);
    assert.deepEqual(violationsOf(error), [
      { field: "cart_book_ids[0]", message: 'no book with id "café \u007f 书"' },
    ]);
    // The server is still up: the next call is answered.
    assert.equal(await echo.call("ok").catch((e: ServiceError) => e.code), GrpcStatus.INVALID_ARGUMENT);
  });

  it("a 100 KB value in a message or metadata is capped, and the call is answered (finding 2)", async () => {
    const huge = "k".repeat(100_000);
    const echo = await echoServer(() => {
      throw new AppError(GrpcStatus.FAILED_PRECONDITION, `clock ${huge}`, [{ field: huge, message: huge }], {
        "x-vector-clock": huge,
      });
    });
    const error = await failure(echo.call("x"));
    assert.equal(error.code, GrpcStatus.FAILED_PRECONDITION);
    assert.ok(error.details.length < 2000, `details of ${error.details.length} characters`);
    const clock = error.metadata.get("x-vector-clock")[0] as string;
    assert.ok(clock.length < 5000);
    const [violation] = violationsOf(error);
    assert.ok(violation && violation.field.length < 300 && violation.message.length < 600);
  });

  it("builds metadata only from printable ASCII", () => {
    const sent = toServiceError(
      AppError.failedPrecondition("refused", { "x-vector-clock": '{"a\u007fb":1,"é":2}' }),
    );
    const value = sent.metadata?.get("x-vector-clock")[0] as string;
    assert.match(value, /^[\x20-\x7e]*$/);
    assert.deepEqual(JSON.parse(value), { "a\u007fb": 1, é: 2 });
    assert.equal(asciiOnly("a\u0000b"), "a\\u0000b");
  });

  it("a handler that throws anything answers INTERNAL for that call only, logged with the method", async () => {
    const echo = await echoServer((m) => {
      if (m === "boom") throw new TypeError("secret internals /work/main/x.ts 4111111111111111");
      return m;
    });
    const error = await failure(echo.call("boom"));
    assert.equal(error.code, GrpcStatus.INTERNAL);
    assert.equal(error.details, "internal error");
    assert.equal((await echo.call("still here")).message, "still here");
    const logged = lines.find(
      (l) => l.includes("/bookstore.v1.EchoService/Echo") && l.includes("secret internals"),
    );
    assert.ok(logged, "the failure is logged with its method");
    assert.ok(!logged.includes("4111111111111111"), "card data is scrubbed from the log");
  });
});

describe("requests no handler should see are refused before it runs", () => {
  it("a NUL character, naming the field (finding 5)", async () => {
    const echo = await echoServer((m) => m);
    const error = await failure(echo.call("a\u0000b"));
    assert.equal(error.code, GrpcStatus.INVALID_ARGUMENT);
    assert.equal(violationsOf(error)[0]?.field, "message");
    assert.equal(echo.calls(), 0);
  });

  it("finds unsafe strings anywhere in a decoded message, in proto field names", () => {
    // (A lone surrogate cannot arrive through protobuf's UTF-8; the check still covers it.)
    const request = {
      operations: [{ operation: { $case: "decrementStock", value: { key: "ok", requestId: "x\ud800" } } }],
    };
    assert.deepEqual(unsafeStringIn(request), {
      field: "operations[0].decrement_stock.request_id",
      message:
        "operations[0].decrement_stock.request_id must be valid Unicode (it contains a lone surrogate)",
    });
    assert.equal(
      unsafeStringIn({ vectorClock: { entries: { "a\u0000": 1 } } })?.field,
      "vector_clock.entries",
    );
    assert.equal(unsafeStringIn({ key: "fine", data: new Uint8Array([0]) }), undefined);
  });

  it("an int64 beyond 2^53, naming the field instead of INTERNAL (finding 8)", async () => {
    let writes = 0;
    const handlers = {
      write: () => {
        writes++;
        return { success: true, message: "", version: 1, primaryId: "", primaryAddress: "" };
      },
    } as unknown as UnaryHandlers<typeof DatabaseServiceService>;
    const address = await serve({
      name: "bookstore.v1.DatabaseService",
      definition: DatabaseServiceService,
      implementation: implement(DatabaseServiceService, handlers),
    });
    // A generic client sends the raw bytes: protobuf field 4 (expected_version), varint 2^63 - 1.
    const raw = new Client(address, credentials.createInsecure());
    const bytes = Buffer.from([0x0a, 0x01, 0x6b, 0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    const send = (payload: Buffer) =>
      new Promise<ServiceError>((resolve, reject) =>
        raw.makeUnaryRequest(
          "/bookstore.v1.DatabaseService/Write",
          (b: Buffer) => b,
          (b: Buffer) => b,
          payload,
          new Metadata(),
          { deadline: Date.now() + 3000 },
          (error) => (error ? resolve(error) : reject(new Error("accepted"))),
        ),
      );
    const tooBig = await send(bytes);
    assert.equal(tooBig.code, GrpcStatus.INVALID_ARGUMENT);
    assert.equal(violationsOf(tooBig)[0]?.field, "expected_version");
    const garbage = await send(Buffer.from([0xff, 0xff, 0xff]));
    assert.equal(garbage.code, GrpcStatus.INVALID_ARGUMENT);
    assert.match(garbage.details, /not a valid bookstore\.v1\.WriteRequest/);
    assert.equal(writes, 0);
    // A legal value still reaches the handler.
    const client = new DatabaseServiceClient(address, credentials.createInsecure());
    await callUnary(
      client,
      client.write,
      { key: "k", value: "v", type: 0, expectedVersion: 2 ** 53 - 1, requestId: "" },
      { deadlineMs: 3000 },
    );
    assert.equal(writes, 1);
    raw.close();
    client.close();
  });
});
