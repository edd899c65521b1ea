// The payment service as its own process, killed between Prepare and Commit: the hold was fsync'd
// before Prepare was answered, so after SIGKILL and a restart on the same data directory Commit
// still captures it (with the payment id the vote carried), and Abort after that is refused. No
// log line of either run carries anything that looks like a card number.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { closeAllClients } from "@bookstore/kit";
import { PaymentState } from "@bookstore/proto";
import { status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import {
  freePort,
  paymentSpec,
  type RunningProcess,
  startProcess,
  stopProcesses,
  waitReady,
} from "../scripts/system.js";
import { paymentClient } from "./support/single-payment.js";

const ADMIN = "fault-test-admin-token";

describe("payment: SIGKILL between Prepare and Commit", { timeout: 90_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "payment-faults-"));
  const lines: string[] = [];
  let running: RunningProcess | undefined;
  after(async () => {
    if (running) await stopProcesses([running]);
    closeAllClients();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps the hold across the crash: Commit captures it, Abort is then refused", async () => {
    const port = await freePort();
    const spec = paymentSpec(
      { port, adminPort: 0, dataDir: join(dir, "payment") },
      { PAYMENT_ADMIN_TOKEN: ADMIN, LOG_LEVEL: "debug" },
    );
    const start = async () => {
      running = startProcess(spec, (_name, line) => lines.push(line));
      await waitReady(running);
    };
    await start();
    const client = paymentClient(`127.0.0.1:${port}`);
    const { token } = await client.tokenize({
      number: "4111111111111111",
      expirationDate: "12/30",
      cvv: "123",
      customerId: "c-kill",
    });
    const prepare = (tx: string, amountCents: number) =>
      client.prepare({
        transactionId: tx,
        orderId: `order-${tx}`,
        customerId: "c-kill",
        paymentMethod: "credit_card",
        amountCents,
        cardToken: token,
      });
    const vote = await prepare("tx-kill", 4321);
    assert.equal(vote.success, true);
    assert.equal((await prepare("tx-kill-void", 100)).success, true);

    running?.child.kill("SIGKILL");
    assert.equal(await running?.exited, "SIGKILL");
    await start();

    const receipt = await client.commit("tx-kill");
    assert.equal(receipt.paymentId, vote.paymentId, "the hold placed before the crash is the one captured");
    await assert.rejects(
      client.abort("tx-kill"),
      (e: ServiceError) => e.code === GrpcStatus.FAILED_PRECONDITION,
    );
    assert.equal((await client.abort("tx-kill-void")).success, true);
    // The same card and customer still get the same token: the vault survived too.
    assert.equal(
      (
        await client.tokenize({
          number: "4111111111111111",
          expirationDate: "12/30",
          cvv: "123",
          customerId: "c-kill",
        })
      ).token,
      token,
    );

    const all = (await client.list(ADMIN, 1000)).transactions;
    assert.deepEqual(
      all.map((t) => [t.transactionId, t.state, t.amountCents]),
      [
        ["tx-kill", PaymentState.PAYMENT_STATE_CAPTURED, 4321],
        ["tx-kill-void", PaymentState.PAYMENT_STATE_VOIDED, 100],
      ],
    );
    assert.ok(
      lines.some((l) => l.includes('"txId":"tx-kill"')),
      "the payments were logged",
    );
    for (const line of lines) {
      assert.ok(!line.includes("4111111111111111") && !line.includes("[REDACTED]"), `card data in: ${line}`);
    }
  });
});
