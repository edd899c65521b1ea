// The orders workload of a nemesis run: clients on the control side place checkouts the way the
// orchestrator does (order-placement.ts: the card into the payment vault, then SubmitJob to the
// executor leader through ExecutorClient), each recorded in the history — ok when the executor
// acknowledged it, fail when the card was refused, info when the answer was lost (the order may
// exist). Then, once the faults have healed, every order that may exist is followed to its end and
// the order invariants are checked over all of them.
import { DatabaseClient, ValueType } from "@bookstore/db-client";
import { clientFor } from "@bookstore/kit";
import { type GetJobResponse, PaymentServiceClient } from "@bookstore/proto";
import { Rng } from "@bookstore/raft";
import { status } from "@grpc/grpc-js";
import { ExecutorClient, isFinished } from "../../services/orchestrator/src/executor-client.js";
import { orderPlacement } from "../../services/orchestrator/src/order-placement.js";
import { orderInvariantProblems } from "../support/order-system.js";
import { pickWeighted } from "./fault-plan.js";
import type { History, Op } from "./history.js";

export interface OrderWorkloadOptions {
  executors: string[];
  dbNodes: string[];
  payment: string;
  seed: number;
  clients: number;
  prefix: string;
  books: number;
  stockPerBook: number;
  thinkMs: number;
}

/** Approved, declined, insufficient funds (docs/payment.md's test cards). */
const CARDS = [
  { number: "4111111111111111", weight: 0.8 },
  { number: "4000000000000002", weight: 0.1 },
  { number: "4000000000009995", weight: 0.1 },
];
const SHIPPING = ["Standard", "Express", "Overnight"] as const;

type CheckoutInput = { lines: { bookId: string; quantity: number }[]; card: string };

export class OrderWorkload {
  readonly db: DatabaseClient;
  readonly payment: PaymentServiceClient;
  readonly executor: ExecutorClient;
  readonly initialStock = new Map<string, number>();

  constructor(private readonly o: OrderWorkloadOptions) {
    this.db = new DatabaseClient({ addresses: o.dbNodes, deadlineMs: 10_000 });
    this.payment = clientFor(PaymentServiceClient, o.payment);
    this.executor = new ExecutorClient({ addresses: o.executors, deadlineMs: 5000 });
  }

  /** The books of this run, with their stock (before any fault). */
  async setup(): Promise<void> {
    for (let b = 1; b <= this.o.books; b++) {
      const book = `${this.o.prefix}-book-${b}`;
      await this.db.write(`stock:${book}`, String(this.o.stockPerBook), ValueType.VALUE_TYPE_INT);
      this.initialStock.set(book, this.o.stockPerBook);
    }
  }

  async run(history: History, until: number): Promise<void> {
    const { tokenize, submit } = orderPlacement({
      payment: this.payment,
      executor: this.executor,
      deadlineMs: 5000,
    });
    const books = [...this.initialStock.keys()];
    const loop = async (process: number) => {
      const rng = new Rng(this.o.seed * 1000 + process);
      for (let n = 0; history.now() < until; n++) {
        const orderId = `${this.o.prefix}-p${process}-${n}`;
        const lines = Array.from({ length: rng.int(1, 2) }, () => ({
          bookId: rng.pick(books),
          title: "nemesis book",
          quantity: rng.int(1, 2),
          unitPriceCents: 1000,
        }));
        const merged = [...new Map(lines.map((l) => [l.bookId, l])).values()];
        const card = pickWeighted(rng, CARDS).number;
        const op = history.invoke<CheckoutInput, { created: boolean }>(process, "checkout", orderId, {
          lines: merged.map(({ bookId, quantity }) => ({ bookId, quantity })),
          card: card.slice(-4),
        });
        const order = {
          orderId,
          customerId: `customer-${orderId}`,
          lines: merged,
          totalCents: merged.reduce((s, l) => s + l.quantity * 1000, 0),
        };
        const token = await tokenize(order, { number: card, expirationDate: "12/30", cvv: "123" });
        const result = await submit(order, token, rng.pick([...SHIPPING]));
        if (result.kind === "placed") history.complete(op, "ok", { created: result.submitted.created });
        else if (result.kind === "rejected") history.complete(op, "fail", undefined, "card refused");
        else history.complete(op, "info", undefined, result.message);
        await new Promise((res) => setTimeout(res, rng.int(0, this.o.thinkMs)));
      }
    };
    await Promise.all(Array.from({ length: this.o.clients }, (_, p) => loop(p)));
  }

  /** The order now, or undefined if the cluster has none with that id (NOT_FOUND). */
  private async job(id: string): Promise<GetJobResponse | undefined | "error"> {
    try {
      return await this.executor.getJob(id);
    } catch (error) {
      return (error as { code?: number }).code === status.NOT_FOUND ? undefined : "error";
    }
  }

  /**
   * Follows every order that may exist (acknowledged, or with a lost answer) until it is COMPLETED
   * or FAILED; returns the finished ones and the problems: orders that never finished, an
   * acknowledged order the cluster does not know, and the invariants.
   */
  async check(
    history: History,
    timeoutMs: number,
  ): Promise<{ jobs: Map<string, GetJobResponse>; problems: string[] }> {
    const ops = history.ops.filter((op) => op.f === "checkout") as Op<CheckoutInput>[];
    const open = new Map(
      ops.filter((op) => op.type === "ok" || op.type === "info").map((op) => [op.key, op]),
    );
    const jobs = new Map<string, GetJobResponse>();
    const problems: string[] = [];
    const end = Date.now() + timeoutMs;
    const visit = async (id: string, op: Op<CheckoutInput>) => {
      const job = await this.job(id);
      if (job === "error") return;
      if (job === undefined) {
        if (op.type === "ok") problems.push(`${id}: acknowledged but unknown to the executor cluster`);
        open.delete(id);
      } else if (isFinished(job)) {
        jobs.set(id, job);
        open.delete(id);
      }
    };
    while (open.size > 0 && Date.now() < end) {
      const pending = [...open];
      for (let i = 0; i < pending.length; i += 64)
        await Promise.all(pending.slice(i, i + 64).map(([id, op]) => visit(id, op)));
      if (open.size > 0) await new Promise((r) => setTimeout(r, 500));
    }
    for (const id of open.keys())
      problems.push(`${id}: not COMPLETED or FAILED ${timeoutMs / 1000} s after the faults healed`);
    problems.push(...(await orderInvariantProblems(this, jobs, this.initialStock)));
    return { jobs, problems };
  }
}
