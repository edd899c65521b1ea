// Order execution end to end, every service its own process: an approved checkout is tokenised,
// submitted to the executor cluster and executed with two-phase commit across the stock database and
// the payment service; the API shows every step and pushes every change.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { callUnary, GrpcStatus, violationsOf } from "@bookstore/kit";
import { JobStatus, ValueType } from "@bookstore/proto";
import type { ServiceError } from "@grpc/grpc-js";
import { getJson, post, validBody } from "./support/checkout-stack.js";
import { executorNode, type OrderSystem, startOrderSystem, TOKENS } from "./support/order-system.js";

let s: OrderSystem;
before(async () => {
  s = await startOrderSystem({ CORS_ORIGINS: "http://seed.example" });
});
after(() => s?.stop());

/** GET /api/orders/:id until the order is COMPLETED or FAILED. */
async function finished(orderId: string, ms = 20_000): Promise<Record<string, any>> {
  const end = Date.now() + ms;
  for (;;) {
    const { body } = await getJson(`${s.baseUrl}/api/orders/${orderId}`);
    if (body.status === "COMPLETED" || body.status === "FAILED") return body;
    if (Date.now() > end) throw new Error(`order ${orderId} still ${body.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A payment test card: the approving ones always approve (a random card is declined 5% of the time). */
const fixedCard = (number: string) => ({
  creditCard: { number, expirationDate: "12/30", cvv: number.startsWith("37") ? "1234" : "123" },
});

describe("orders are executed", { timeout: 120_000 }, () => {
  it("an approved checkout answers PENDING at once and reaches COMPLETED with a receipt and its 2PC history", async () => {
    const { status, body } = await post(
      s.baseUrl,
      "/api/checkout",
      validBody({ shippingMethod: "Express", ...fixedCard("4111111111111111") }),
    );
    assert.equal(status, 201);
    assert.equal(body.status, "PENDING");
    const order = await finished(body.orderId);
    assert.equal(order.status, "COMPLETED");
    assert.match(order.payment.confirmationCode, /\S/);
    assert.match(order.payment.paymentId, /\S/);
    assert.deepEqual(
      order.transaction.history.map((e: { phase: string }) => e.phase),
      ["STARTED", "PREPARING", "COMMITTING", "COMMITTED"],
    );
    assert.deepEqual(
      order.transaction.votes.map((v: { yes: boolean }) => v.yes),
      [true, true],
    );
    assert.ok(order.events.length >= 5, "the validation events and their clocks are shown too");
    assert.equal(order.card.last4.length, 4);
    assert.equal(order.shippingMethod, "Express");
  });

  it("a declined card and a card without funds FAIL with the reason; nothing is charged", async () => {
    for (const [card, code] of [
      ["4000000000000002", "PAYMENT_DECLINED"],
      ["4000000000009995", "INSUFFICIENT_FUNDS"],
    ]) {
      const { body } = await post(s.baseUrl, "/api/checkout", validBody(fixedCard(card as string)));
      const order = await finished(body.orderId);
      assert.equal(order.status, "FAILED");
      assert.equal(order.reasonCode, code);
      assert.equal(order.transaction.decision, "ABORT");
      assert.equal(order.payment, undefined);
    }
  });

  it("a book that ran out FAILS the order OUT_OF_STOCK, naming the book; its stock is untouched", async () => {
    // Dune is bought by no other test here (they buy The Hobbit).
    await s.db.write("stock:dune", "1", ValueType.VALUE_TYPE_INT);
    const { body } = await post(
      s.baseUrl,
      "/api/checkout",
      // A card that always approves: a random one is declined 5% of the time, and a decline can be
      // the reason an order fails before its stock is looked at.
      validBody({ ...fixedCard("5555555555554444"), items: [{ name: "Dune", quantity: 2 }] }),
    );
    const order = await finished(body.orderId);
    assert.equal(order.status, "FAILED");
    assert.equal(order.reasonCode, "OUT_OF_STOCK");
    assert.equal(order.reason, "Dune is out of stock (1 left)");
    assert.equal((await s.db.read("stock:dune")).value, "1");
  });

  it("the seed's web page flow: POST /v2/checkout, then /v2/orders/:id says Order Approved with the payment", async () => {
    const { status, body } = await post(s.baseUrl, "/v2/checkout", validBody(fixedCard("378282246310005")));
    assert.equal(status, 200);
    assert.equal(body.status, "PENDING");
    await finished(body.orderId);
    const seed = await getJson(`${s.baseUrl}/v2/orders/${body.orderId}`);
    assert.equal(seed.body.status, "Order Approved");
    assert.equal(seed.body.state, "COMPLETED");
    assert.deepEqual(Object.keys(seed.body.payment).sort(), [
      "confirmation_code",
      "payment_id",
      "processed_at",
    ]);
    const failed = await post(s.baseUrl, "/v2/checkout", validBody(fixedCard("4000000000000002")));
    await finished(failed.body.orderId);
    const seedFailed = await getJson(`${s.baseUrl}/v2/orders/${failed.body.orderId}`);
    assert.equal(seedFailed.body.status, "FAILED");
    assert.match(seedFailed.body.reason, /declined/);
  });

  it("the seed's page, served elsewhere, may call the API: CORS for the configured origins only", async () => {
    const preflight = (origin: string) =>
      fetch(`${s.baseUrl}/v2/checkout`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        },
      });
    const allowed = await preflight("http://seed.example");
    assert.equal(allowed.headers.get("access-control-allow-origin"), "http://seed.example");
    const other = await preflight("http://evil.example");
    assert.equal(other.headers.get("access-control-allow-origin"), null);
  });

  it("server-sent events push each state until COMPLETED", async () => {
    // A test card that always approves (a fresh random card is declined 5% of the time).
    const { body } = await post(s.baseUrl, "/api/checkout", validBody(fixedCard("6011111111111117")));
    const response = await fetch(`${s.baseUrl}/api/orders/${body.orderId}/events`);
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    const text = await response.text(); // the stream ends once the order is finished
    const events = [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1] as string));
    const states = events.map((e) => e.status);
    assert.equal(states.at(-1), "COMPLETED", JSON.stringify(events.at(-1)?.reason));
    assert.ok(states.length >= 1);
    assert.deepEqual(
      states,
      [...states].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b)),
      "states only move forward",
    );
  });

  it("WatchJob streams one order from any executor node until it is finished", async () => {
    const { body } = await post(s.baseUrl, "/api/checkout", validBody(fixedCard("4111111111111111")));
    const node = executorNode(s.executorAddresses[2] as string);
    const states = await new Promise<JobStatus[]>((resolve, reject) => {
      const seen: JobStatus[] = [];
      const stream = node.watchJob({ jobId: body.orderId });
      stream.on("data", (job: { status: JobStatus }) => seen.push(job.status));
      stream.on("end", () => resolve(seen));
      stream.on("error", reject);
    });
    assert.equal(states.at(-1), JobStatus.JOB_STATUS_COMPLETED);
  });

  it("an Idempotency-Key makes a retried checkout one order", async () => {
    const request = validBody();
    const first = await post(s.baseUrl, "/api/checkout", request, { "Idempotency-Key": "orders-test-1" });
    const again = await post(s.baseUrl, "/api/checkout", request, { "Idempotency-Key": "orders-test-1" });
    assert.equal(again.body.orderId, first.body.orderId);
    await finished(first.body.orderId);
    const listed = await s.executor.listJobs(JobStatus.JOB_STATUS_UNSPECIFIED, 500);
    assert.equal(listed.jobs.filter((j) => j.jobId === first.body.orderId).length, 1);
  });

  it("no card number reaches an executor's Raft log, a log line, or the stock database", async () => {
    const card = "5555555555554444";
    const { body } = await post(s.baseUrl, "/api/checkout", validBody(fixedCard(card)));
    await finished(body.orderId);
    for (const file of filesUnder(s.ports.executorDataDir).concat(
      filesUnder(s.ports.dbDataDir).filter((f) => !f.includes("payment")),
    )) {
      assert.ok(!readFileSync(file).includes(card), `${file} holds the card number`);
    }
    assert.ok(!s.lines.some((l) => l.includes(card)));
  });

  it("bad input on every executor RPC is INVALID_ARGUMENT naming the field, and nothing is committed", async () => {
    const node = executorNode(s.executorAddresses[0] as string);
    const before = await callUnary(node, node.getClusterStatus, {}, { deadlineMs: 2000 });
    const refused = async (call: Promise<unknown>) =>
      call.then(
        () => assert.fail("accepted"),
        (e: ServiceError) => e,
      );
    const bad = await refused(
      s.executor.submit(
        "job 1",
        JSON.stringify({
          orderId: "job 1",
          lines: [],
          totalCents: -1,
          payment: { number: "4111111111111111" },
        }),
      ),
    );
    assert.equal(bad.code, GrpcStatus.INVALID_ARGUMENT);
    const fields = violationsOf(bad).map((v) => v.field);
    for (const f of ["job_id", "payload.lines", "payload.totalCents", "payload.payment.number"])
      assert.ok(fields.includes(f), `${f} in ${fields}`);
    assert.equal((await refused(s.executor.submit("j", "not json"))).code, GrpcStatus.INVALID_ARGUMENT);
    assert.equal((await refused(s.executor.getJob(""))).code, GrpcStatus.INVALID_ARGUMENT);
    assert.equal(
      (await refused(callUnary(node, node.getDecision, { transactionId: "" }, { deadlineMs: 2000 }))).code,
      GrpcStatus.INVALID_ARGUMENT,
    );
    assert.equal(
      (await refused(callUnary(node, node.listJobs, { status: 99, limit: 0 }, { deadlineMs: 2000 }))).code,
      GrpcStatus.INVALID_ARGUMENT,
    );
    assert.equal(
      (
        await refused(
          callUnary(node, node.setPaused, { adminToken: "wrong", paused: true }, { deadlineMs: 2000 }),
        )
      ).code,
      GrpcStatus.PERMISSION_DENIED,
    );
    const after = await callUnary(node, node.getClusterStatus, {}, { deadlineMs: 2000 });
    assert.equal(after.queuedJobs + after.executingJobs, before.queuedJobs + before.executingJobs);
    assert.ok(TOKENS.executor.length > 0);
  });
});

const ORDER = ["PENDING", "EXECUTING", "COMPLETED", "FAILED"];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((f) => statSync(f).isFile());
}
