// The PaymentService over a real gRPC server and its real single-node Raft store (in this process):
// bad input on every RPC is INVALID_ARGUMENT naming the field and commits nothing; the vault keeps
// no card number in clear; votes, captures, voids and their refusals; paging of ListTransactions.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { closeAllClients, violationsOf } from "@bookstore/kit";
import { PaymentState } from "@bookstore/proto";
import { status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import { paymentClient, startSinglePayment, TEST_ADMIN_TOKEN } from "../../../test/support/single-payment.js";
import type { RunningPayment } from "../src/payment.js";

const CARD = { number: "4111 1111 1111 1111", expirationDate: "12/30", cvv: "123", customerId: "c1" };

async function refused(call: Promise<unknown>, code: GrpcStatus, fields: string[] = []): Promise<void> {
  await assert.rejects(call, (e: ServiceError) => {
    assert.equal(GrpcStatus[e.code], GrpcStatus[code], e.details);
    assert.deepEqual([...new Set(violationsOf(e).map((v) => v.field))].sort(), [...fields].sort(), e.details);
    return true;
  });
}

describe("PaymentService over gRPC", { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "payment-service-"));
  let payment: RunningPayment;
  let client: ReturnType<typeof paymentClient>;
  let token = "";
  const committed = () => payment.node.status().commitIndex;

  before(async () => {
    payment = await startSinglePayment(dir);
    client = paymentClient(`127.0.0.1:${payment.port}`);
    token = (await client.tokenize(CARD)).token;
  });
  after(async () => {
    await payment?.close();
    closeAllClients();
    rmSync(dir, { recursive: true, force: true });
  });

  it("TokenizeCard: bad input names each field and stores nothing", async () => {
    const before = committed();
    const I = GrpcStatus.INVALID_ARGUMENT;
    await refused(client.tokenize({}), I, ["number", "expiration_date", "cvv", "customer_id"]);
    await refused(client.tokenize({ ...CARD, number: "4111111111111112" }), I, ["number"]);
    await refused(client.tokenize({ ...CARD, number: "4111-1111-1111-111x" }), I, ["number"]);
    await refused(client.tokenize({ ...CARD, expirationDate: "01/20" }), I, ["expiration_date"]);
    await refused(client.tokenize({ ...CARD, expirationDate: "13/30" }), I, ["expiration_date"]);
    await refused(client.tokenize({ ...CARD, cvv: "12" }), I, ["cvv"]);
    await refused(client.tokenize({ ...CARD, customerId: "x".repeat(129) }), I, ["customer_id"]);
    await assert.rejects(client.tokenize({ ...CARD, cvv: "1" }), (e: ServiceError) => {
      assert.ok(!e.details.includes("4111111111111111") && !e.details.includes("'1'"), e.details);
      return true;
    });
    assert.equal(committed(), before);
  });

  it("TokenizeCard: the same card and customer get the same token (a retry writes nothing)", async () => {
    const before = committed();
    const again = await client.tokenize({ ...CARD, number: "4111111111111111", expirationDate: "12/2030" });
    assert.deepEqual(again, { token, brand: "visa", last4: "1111" });
    assert.equal(committed(), before);
    assert.notEqual((await client.tokenize({ ...CARD, customerId: "c2" })).token, token);
  });

  it("Prepare: bad input names each field and places no hold", async () => {
    const before = committed();
    const I = GrpcStatus.INVALID_ARGUMENT;
    const good = {
      transactionId: "tx-bad",
      orderId: "o",
      customerId: "c1",
      paymentMethod: "credit_card",
      amountCents: 100,
      cardToken: token,
    };
    await refused(client.prepare({}), I, [
      "transaction_id",
      "order_id",
      "customer_id",
      "payment_method",
      "amount_cents",
    ]);
    await refused(client.prepare({ ...good, amountCents: -5 }), I, ["amount_cents"]);
    await refused(client.prepare({ ...good, amountCents: 100_000_001 }), I, ["amount_cents"]);
    await refused(client.prepare({ ...good, amountCents: 0, amount: 12.345 }), I, ["amount"]);
    await refused(client.prepare({ ...good, cardToken: "" }), I, ["card_token"]);
    await refused(client.prepare({ ...good, cardToken: "4111111111111111" }), I, ["card_token"]);
    await refused(client.prepare({ ...good, metadata: { card_token: `${token.slice(0, -1)}A` } }), I, [
      "card_token",
    ]);
    await refused(client.prepare({ ...good, paymentMethod: "bank_transfer" }), I, ["card_token"]);
    await refused(client.prepare({ ...good, paymentMethod: "cash" }), I, ["payment_method"]);
    await refused(client.prepare({ ...good, coordinator: "no port" }), I, ["coordinator"]);
    assert.equal(committed(), before);
    await assert.rejects(client.status("tx-bad"), (e: ServiceError) => e.code === GrpcStatus.NOT_FOUND);
  });

  it("Prepare: a token unknown to the vault or issued to another customer is a no vote, recorded nowhere", async () => {
    const before = committed();
    const base = { orderId: "o", paymentMethod: "credit_card", amountCents: 100 };
    const unknown = await client.prepare({
      ...base,
      transactionId: "tx-u",
      customerId: "c1",
      cardToken: `tok_${"A".repeat(32)}`,
    });
    assert.deepEqual([unknown.success, unknown.reasonCode], [false, "INVALID_TOKEN"]);
    const other = await client.prepare({
      ...base,
      transactionId: "tx-o",
      customerId: "c9",
      cardToken: token,
    });
    assert.deepEqual([other.success, other.reasonCode], [false, "CUSTOMER_MISMATCH"]);
    assert.equal(committed(), before);
  });

  it("Prepare → Commit captures the exact amount with a receipt; Abort of it is refused", async () => {
    const seedShape = {
      transactionId: "tx-1",
      orderId: "o-1",
      customerId: "c1",
      paymentMethod: "credit_card",
    };
    // The seed's way: the amount in currency units and the token in metadata.
    const vote = await client.prepare({ ...seedShape, amount: 12.34, metadata: { card_token: token } });
    assert.deepEqual([vote.success, vote.reasonCode], [true, ""]);
    assert.match(vote.paymentId, /^pay_/);
    assert.deepEqual(await client.prepare({ ...seedShape, amountCents: 1234, cardToken: token }), vote);
    await refused(client.commit("tx-1", "pay_someone-else"), GrpcStatus.FAILED_PRECONDITION);
    const receipt = await client.commit("tx-1", vote.paymentId);
    assert.equal(receipt.paymentId, vote.paymentId);
    assert.match(receipt.confirmationCode, /^[0-9A-F]{10}$/);
    assert.ok(Math.abs(Date.parse(receipt.processedAt) - Date.now()) < 60_000);
    assert.deepEqual(await client.commit("tx-1"), receipt, "a repeated Commit returns the same receipt");
    await refused(client.abort("tx-1"), GrpcStatus.FAILED_PRECONDITION);
    const s = await client.status("tx-1");
    assert.deepEqual([s.state, s.amountCents, s.orderId], [PaymentState.PAYMENT_STATE_CAPTURED, 1234, "o-1"]);
  });

  it("Abort voids; Commit of a voided hold is refused; test cards decline with their reason", async () => {
    const base = {
      orderId: "o-2",
      customerId: "c1",
      paymentMethod: "credit_card",
      amountCents: 500,
      cardToken: token,
    };
    assert.equal((await client.prepare({ ...base, transactionId: "tx-2" })).success, true);
    assert.deepEqual(await client.abort("tx-2"), { success: true, message: "" });
    assert.deepEqual(await client.abort("tx-2"), { success: true, message: "" });
    await refused(client.commit("tx-2"), GrpcStatus.FAILED_PRECONDITION);
    await refused(client.commit("tx-never"), GrpcStatus.NOT_FOUND);
    assert.equal((await client.abort("tx-early")).success, true);
    assert.equal(
      (await client.prepare({ ...base, transactionId: "tx-early" })).reasonCode,
      "ALREADY_ABORTED",
    );

    for (const [number, reason] of [
      ["4000000000000002", "DECLINED"],
      ["4000000000009995", "INSUFFICIENT_FUNDS"],
    ] as const) {
      const t = (await client.tokenize({ ...CARD, number })).token;
      const vote = await client.prepare({ ...base, transactionId: `tx-${reason}`, cardToken: t });
      assert.deepEqual([vote.success, vote.reasonCode], [false, reason]);
      assert.equal((await client.status(`tx-${reason}`)).state, PaymentState.PAYMENT_STATE_DECLINED);
      await refused(client.commit(`tx-${reason}`), GrpcStatus.FAILED_PRECONDITION);
    }
    const bank = await client.prepare({
      ...base,
      transactionId: "tx-bank",
      paymentMethod: "bank_transfer",
      cardToken: "",
    });
    assert.equal(typeof bank.success, "boolean");
  });

  it("Batch: each operation answered as its own call would be, in order; bad input names the field", async () => {
    const hold = {
      orderId: "o-3",
      customerId: "c1",
      paymentMethod: "credit_card",
      amountCents: 700,
      cardToken: token,
    };
    const prepare = (transactionId: string) => ({
      $case: "prepare" as const,
      value: { transactionId, amount: 0, metadata: {}, coordinator: "", ...hold },
    });
    const prepared = await client.batch([{ operation: prepare("tx-b1") }, { operation: prepare("tx-b2") }]);
    assert.deepEqual(
      prepared.results.map((r) => [r.code, r.response?.$case === "prepare" && r.response.value.success]),
      [
        [GrpcStatus.OK, true],
        [GrpcStatus.OK, true],
      ],
    );
    const { results } = await client.batch([
      { operation: { $case: "commit", value: { transactionId: "tx-b1", paymentId: "" } } },
      { operation: { $case: "abort", value: { transactionId: "tx-b2" } } },
      { operation: { $case: "commit", value: { transactionId: "tx-b-never", paymentId: "" } } },
    ]);
    assert.deepEqual(
      results.map((r) => [GrpcStatus[r.code], r.response?.$case ?? ""]),
      [
        ["OK", "commit"],
        ["OK", "abort"],
        ["NOT_FOUND", ""],
      ],
    );
    const before = committed();
    const bad = await client.batch([
      { operation: { $case: "commit", value: { transactionId: "", paymentId: "" } } },
      { operation: undefined },
    ]);
    assert.deepEqual(
      bad.results.map((r) => GrpcStatus[r.code]),
      ["INVALID_ARGUMENT", "INVALID_ARGUMENT"],
    );
    assert.match(bad.results[0]?.errorMessage ?? "", /transaction_id/);
    assert.match(bad.results[1]?.errorMessage ?? "", /operations\[1\]/);
    assert.equal(committed(), before, "bad operations commit nothing");
    assert.equal((await client.status("tx-b1")).state, PaymentState.PAYMENT_STATE_CAPTURED);
    assert.equal((await client.status("tx-b2")).state, PaymentState.PAYMENT_STATE_VOIDED);
    const tooMany = Array.from({ length: 1001 }, () => ({ operation: prepare("tx-b9") }));
    await refused(client.batch(tooMany), GrpcStatus.INVALID_ARGUMENT, ["operations"]);
    await refused(client.status("tx-b9"), GrpcStatus.NOT_FOUND);
  });

  it("GetStatus and ListTransactions: bad input, admin token, pages in transaction-id order", async () => {
    const I = GrpcStatus.INVALID_ARGUMENT;
    await refused(client.status(""), I, ["transaction_id"]);
    await refused(client.commit(""), I, ["transaction_id"]);
    await refused(client.abort("x".repeat(129)), I, ["transaction_id"]);
    await refused(client.list("wrong-token-of-some-length"), GrpcStatus.PERMISSION_DENIED);
    await refused(client.list(TEST_ADMIN_TOKEN, 1001), I, ["page_size"]);
    await refused(client.list(TEST_ADMIN_TOKEN, 2, "%%%"), I, ["page_token"]);
    const seen: string[] = [];
    let page = await client.list(TEST_ADMIN_TOKEN, 2);
    for (;;) {
      seen.push(...page.transactions.map((t) => t.transactionId));
      if (!page.nextPageToken) break;
      page = await client.list(TEST_ADMIN_TOKEN, 2, page.nextPageToken);
    }
    assert.deepEqual(seen, [...seen].sort());
    assert.ok(
      ["tx-1", "tx-2", "tx-DECLINED", "tx-INSUFFICIENT_FUNDS", "tx-bank"].every((tx) => seen.includes(tx)),
    );
    assert.ok(!seen.includes("tx-early"), "an abort of a transaction never prepared is not a payment");
  });

  it("no card number or CVV field is written to the data directory", async () => {
    const files = readdirSync(join(dir, "payment"), { recursive: true, withFileTypes: true }).filter((d) =>
      d.isFile(),
    );
    let sealed = 0;
    for (const f of files) {
      const text = readFileSync(join(f.parentPath, f.name)).toString("latin1");
      for (const secret of ["4111111111111111", "4000000000000002", "4000000000009995", '"cvv"']) {
        assert.ok(!text.includes(secret), `${secret} found in ${f.name}`);
      }
      sealed += text.split('"sealed":"v1.').length - 1;
    }
    assert.ok(sealed >= 3, "the log holds the cards, sealed");
  });
});
