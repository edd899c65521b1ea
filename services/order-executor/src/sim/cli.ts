// `npm run sim:orders -- --seeds N [--start S]`, or `--seed S` to replay one seed with its stats.
// Prints "N seeds, V violations" and the first failing seed; exits 1 on any violation.
import { commandLine } from "@bookstore/kit";
import { defaultOrderSimOptions, runOrderSeed } from "./order-simulator.js";

const usage = `usage: npm run sim:orders -- [--seeds N] [--start S] [--orders K]
       npm run sim:orders -- --seed S            replay one seed exactly

Runs the deterministic simulation of order execution: three executor nodes running the real
two-phase-commit coordinator and order state machine, the real stock and payment participants,
a network that loses, duplicates and delays calls, leaders that crash or are cut off, participants
that go down; then a calm period. Checks that every order ends COMPLETED or FAILED, a card is
captured if and only if its stock was taken (for the order's exact total), no reservation or hold
is left open, sold + remaining = initial stock, and phase two is only ever sent for a decision in
the log. Prints "N seeds, V violations"; exits 1 on any violation.`;

const values = commandLine(usage, {
  options: {
    seeds: { type: "string", default: "100" },
    start: { type: "string", default: "1" },
    seed: { type: "string" },
    orders: { type: "string", default: String(defaultOrderSimOptions.orders) },
    help: { type: "boolean", default: false },
  },
});
const orders = Number(values.orders);
if (values.seed !== undefined) {
  const r = runOrderSeed(Number(values.seed), { orders });
  console.log(JSON.stringify(r, null, 2));
  process.exit(r.ok ? 0 : 1);
}
const start = Number(values.start);
const seeds = Number(values.seeds);
let violations = 0;
let firstFailing: number | undefined;
const totals = { orders: 0, completed: 0, failed: 0, startedOnSubmit: 0, leaders: 0, calls: 0, crashes: 0 };
const reasons: Record<string, number> = {};
const t0 = performance.now();
for (let seed = start; seed < start + seeds; seed++) {
  const r = runOrderSeed(seed, { orders });
  for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += r.stats[k];
  for (const [code, n] of Object.entries(r.stats.reasons)) reasons[code] = (reasons[code] ?? 0) + n;
  if (!r.ok) {
    violations++;
    firstFailing ??= seed;
    console.log(`seed ${seed}: ${r.violation}`);
  }
}
const s = ((performance.now() - t0) / 1000).toFixed(1);
console.log(
  `${seeds} seeds, ${violations} violations (${s} s; ${totals.orders} orders: ${totals.completed} completed, ${totals.failed} failed, ${totals.startedOnSubmit} started by their submit entry; ${totals.leaders} leaders, ${totals.crashes} crashes, ${totals.calls} participant calls)`,
);
console.log(`failed orders by reason: ${JSON.stringify(reasons)}`);
if (firstFailing !== undefined) console.log(`replay: npm run sim:orders -- --seed ${firstFailing}`);
process.exit(violations > 0 ? 1 : 0);
