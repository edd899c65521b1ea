// `npm run bench -- payment`: the payment service as its own process (durable single-node Raft
// store), driven over gRPC: one op = Prepare (authorise a hold) then Commit (capture it), what the
// order executor does per order; at 1, 16 and 64 concurrent clients. Test card 4111…, so every
// attempt is approved and every op writes two fsync'd entries.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeAllClients } from "@bookstore/kit";
import { freePort, paymentSpec, startSystem } from "../../scripts/system.js";
import { paymentClient } from "../../test/support/single-payment.js";
import type { BenchRow } from "../lib/report.js";
import { closedLoop, summarize } from "../support/load.js";

const seconds = Number(process.env.PAYMENT_BENCH_SECONDS ?? 5);

export default async function run(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "bench-payment-"));
  const port = await freePort();
  const system = await startSystem([
    paymentSpec({ port, adminPort: 0, dataDir: dir }, { LOG_LEVEL: "warn" }),
  ]);
  const rows: BenchRow[] = [];
  try {
    const client = paymentClient(`127.0.0.1:${port}`);
    const card = { number: "4111111111111111", expirationDate: "12/30", cvv: "123", customerId: "bench" };
    const { token } = await client.tokenize(card);
    let seq = 0;
    const payOnce = async () => {
      const tx = `bench-${process.pid}-${++seq}`;
      const vote = await client.prepare({
        transactionId: tx,
        orderId: tx,
        customerId: "bench",
        paymentMethod: "credit_card",
        amountCents: 1999,
        cardToken: token,
      });
      if (!vote.success) return false;
      return (await client.commit(tx)).success;
    };
    for (const clients of [1, 16, 64]) {
      const r = await closedLoop(clients, seconds, payOnce, 1);
      rows.push({ suite: "payment", case: "prepare + commit", clients, ...summarize(r) });
    }
    const retry = await closedLoop(16, seconds, async () => (await client.tokenize(card)).token === token, 1);
    rows.push({
      suite: "payment",
      case: "tokenize (known card: no write)",
      clients: 16,
      ...summarize(retry),
    });
  } finally {
    await system.stop();
    closeAllClients();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
