// Regressions of issue 10 at the HTTP edge (one test per finding): every hostile request gets a 4xx
// that names what was refused and where, never a 5xx, and the services behind it stay up.
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import { callUnary, clientFor, GrpcStatus, violationsOf } from "@bookstore/kit";
import { TransactionVerificationServiceClient } from "@bookstore/proto";
import type { ServiceError } from "@grpc/grpc-js";
import {
  type CheckoutStack,
  getJson,
  post,
  startCheckoutStack,
  validBody,
} from "./support/checkout-stack.js";

let stack: CheckoutStack;
before(async () => {
  stack = await startCheckoutStack();
});
after(() => stack.close());

/** A GET whose path goes out exactly as written. */
function rawGet(url: string): Promise<{ status: number; body: Record<string, any> }> {
  const { host, pathname } = new URL(url.replace(/%2e/g, "DOT"));
  return new Promise((resolve, reject) => {
    const path = pathname.replace(/DOT/g, "%2e");
    request({ host: host.split(":")[0], port: Number(host.split(":")[1]), path }, (response) => {
      let text = "";
      response.on("data", (chunk) => {
        text += chunk;
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
    })
      .on("error", reject)
      .end();
  });
}

const fields = (body: Record<string, any>) =>
  (body.error?.details ?? []).map((d: { field: string }) => d.field);

describe("HTTP edge: hostile input is refused with the field named", () => {
  it("a quantity beyond int32 is a 400 naming it, not a 503 (finding 3)", async () => {
    const { status, body } = await post(
      stack.baseUrl,
      "/api/checkout",
      validBody({ items: [{ name: "Dune", quantity: 2147483648 }] }),
    );
    assert.equal(status, 400);
    assert.deepEqual(fields(body), ["items[0].quantity"]);
    assert.doesNotMatch(JSON.stringify(body), /INTERNAL|int32/);
  });

  it("an unknown property nested 5,000 levels deep, with an Idempotency-Key (finding 4)", async () => {
    const deep = `${'{"x":'.repeat(5000)}1${"}".repeat(5000)}`;
    const body = JSON.stringify(validBody()).replace(
      '"name":"John Doe"',
      `"name":"John Doe","extra":${deep}`,
    );
    const { status, body: answer } = await post(stack.baseUrl, "/api/checkout", body, {
      "Idempotency-Key": "deep-1",
    });
    assert.equal(status, 400);
    assert.match(answer.error.details[0].field, /^user\.extra/);
    // Shallow unknown nested properties are named too (the schema forbids them at every level).
    const shallow = await post(
      stack.baseUrl,
      "/api/checkout",
      validBody({ user: { name: "A", contact: "a@b.co", x: 1 } }),
    );
    assert.equal(shallow.status, 400);
    assert.deepEqual(fields(shallow.body), ["user.x"]);
  });

  it("a NUL byte in a path or query parameter (finding 5)", async () => {
    for (const path of [
      "/api/orders/%00",
      "/v2/orders/a%00b",
      "/api/database/stock/%00",
      "/books?genre=%00",
    ]) {
      const { status, body } = await getJson(`${stack.baseUrl}${path}`);
      assert.equal(status, 400, path);
      assert.match(body.error.details[0].message, /NUL/);
    }
  });

  it("a path traversal refused by the static files keeps its 403 (finding 6)", async () => {
    // node:http, not fetch: the URL standard would resolve the encoded dots before sending.
    const { status, body } = await rawGet(
      `${stack.baseUrl}/docs/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd`,
    );
    assert.equal(status, 403);
    assert.equal(body.error.code, "FORBIDDEN");
    assert.doesNotMatch(JSON.stringify(body), /\/work|node_modules|passwd/);
  });

  it('"constructor" and "__proto__" are not countries (finding 7)', async () => {
    for (const country of ["constructor", "__proto__", "toString"]) {
      const billingAddress = { street: "1 Main St", city: "X", zip: "12345", country };
      const { status, body } = await post(stack.baseUrl, "/api/checkout", validBody({ billingAddress }));
      assert.equal(status, 422, country);
      assert.ok(fields(body).includes("billingAddress.country"));
    }
  });

  it("a __proto__ key is refused as such, not called invalid JSON (finding 10)", async () => {
    const body = JSON.stringify(validBody()).replace('"user":{', '"user":{"__proto__":{"admin":true},');
    const { status, body: answer } = await post(stack.baseUrl, "/api/checkout", body);
    assert.equal(status, 400);
    assert.equal(answer.error.code, "INVALID_REQUEST");
    assert.deepEqual(fields(answer), ["user.__proto__"]);
  });

  it("a 2 MB body from Node's fetch reads its 413 instead of a broken pipe (finding 11)", async () => {
    const body = JSON.stringify(validBody({ userComment: "x".repeat(2_000_000) }));
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${stack.baseUrl}/api/checkout`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      assert.equal(response.status, 413);
      assert.equal(((await response.json()) as any).error.code, "PAYLOAD_TOO_LARGE");
    }
  });

  it("lone surrogates and non-ASCII idempotency keys", async () => {
    const surrogate = await post(
      stack.baseUrl,
      "/api/checkout",
      JSON.stringify(validBody()).replace('"John Doe"', '"John \\ud800 Doe"'),
    );
    assert.equal(surrogate.status, 400);
    assert.deepEqual(fields(surrogate.body), ["user.name"]);
    const key = await post(stack.baseUrl, "/api/checkout", validBody(), { "Idempotency-Key": "has space" });
    assert.equal(key.status, 400);
    assert.deepEqual(fields(key.body), ["Idempotency-Key"]);
  });

  it("a valid checkout still passes after all of the above", async () => {
    const { status } = await post(stack.baseUrl, "/api/checkout", validBody());
    assert.equal(status, 201);
  });
});

describe("gRPC edge of a checkout service", () => {
  it("a 100 KB or non-ASCII vector-clock key is INVALID_ARGUMENT at once (findings 1, 2)", async () => {
    const client = clientFor(TransactionVerificationServiceClient, stack.tvAddr);
    for (const key of ["k".repeat(100_000), "a\u007fb"]) {
      const error = await callUnary(
        client,
        client.checkUser,
        { orderId: "o-1", vectorClock: { entries: { [key]: 1 } } },
        { deadlineMs: 2000 },
      ).then(
        () => assert.fail("accepted"),
        (e: ServiceError) => e,
      );
      assert.equal(error.code, GrpcStatus.INVALID_ARGUMENT);
      assert.equal(violationsOf(error)[0]?.field, "event.vector_clock");
    }
  });
});
