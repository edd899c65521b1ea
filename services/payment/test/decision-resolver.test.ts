// Payment as a 2PC participant whose decision never came: after PAYMENT_DECISION_TIMEOUT_MS it asks
// the coordinator named in Prepare (OrderExecutorService.GetDecision) and captures or voids the
// hold; PENDING or an unreachable coordinator leaves the hold in place (it never guesses).
//
// The coordinator here is a real gRPC server answering GetDecision from a fixed decision table
// written in this test (a stand-in for the order executor); payment is the real service in this
// process, on its real single-node Raft store.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { closeAllClients, createLogger, freePort } from "@bookstore/kit";
import { PaymentState } from "@bookstore/proto";
import {
  COMMIT_ABORT_PENDING,
  type FixedDecisionCoordinator,
  startFixedDecisionCoordinator,
} from "../../../test/support/fixed-decision-coordinator.js";
import { paymentClient, startSinglePayment } from "../../../test/support/single-payment.js";
import type { RunningPayment } from "../src/payment.js";

const logger = createLogger({ service: "payment-resolver-test", level: "silent" });

describe("payment 2PC participant: resolving holds with the coordinator", { timeout: 30_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "payment-2pc-"));
  let coordinator: FixedDecisionCoordinator;
  let payment: RunningPayment;

  before(async () => {
    coordinator = await startFixedDecisionCoordinator(COMMIT_ABORT_PENDING, logger);
    payment = await startSinglePayment(dir, { PAYMENT_DECISION_TIMEOUT_MS: "300" });
  });
  after(async () => {
    await payment?.close();
    await coordinator?.server.close();
    closeAllClients();
    rmSync(dir, { recursive: true, force: true });
  });

  it("captures on COMMIT, voids on ABORT, keeps PENDING and unreachable holds open", async () => {
    const client = paymentClient(`127.0.0.1:${payment.port}`);
    const { token } = await client.tokenize({
      number: "5555555555554444",
      expirationDate: "10/31",
      cvv: "321",
      customerId: "c1",
    });
    const dead = `127.0.0.1:${await freePort()}`;
    const prepare = (tx: string, at: string) =>
      client.prepare({
        transactionId: tx,
        orderId: `o-${tx}`,
        customerId: "c1",
        paymentMethod: "credit_card",
        amountCents: 999,
        cardToken: token,
        coordinator: at,
      });
    for (const tx of ["tx-commit", "tx-abort", "tx-pending"]) {
      assert.equal((await prepare(tx, coordinator.address)).success, true);
    }
    assert.equal((await prepare("tx-lost", dead)).success, true);

    const state = async (tx: string) => (await client.status(tx)).state;
    const end = Date.now() + 10_000;
    while (
      Date.now() < end &&
      ((await state("tx-commit")) === PaymentState.PAYMENT_STATE_AUTHORIZED ||
        (await state("tx-abort")) === PaymentState.PAYMENT_STATE_AUTHORIZED)
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(await state("tx-commit"), PaymentState.PAYMENT_STATE_CAPTURED);
    assert.match((await client.status("tx-commit")).confirmationCode, /^[0-9A-F]{10}$/);
    assert.equal(await state("tx-abort"), PaymentState.PAYMENT_STATE_VOIDED);
    // A few more passes: the undecided holds must stay open.
    const asked = coordinator.asked.get("tx-pending") ?? 0;
    await new Promise((r) => setTimeout(r, 700));
    assert.ok((coordinator.asked.get("tx-pending") ?? 0) > asked, "PENDING is asked again later");
    assert.equal(await state("tx-pending"), PaymentState.PAYMENT_STATE_AUTHORIZED);
    assert.equal(await state("tx-lost"), PaymentState.PAYMENT_STATE_AUTHORIZED);
    assert.deepEqual([...payment.state.openHolds()].map(([tx]) => tx).sort(), ["tx-lost", "tx-pending"]);
  });
});
