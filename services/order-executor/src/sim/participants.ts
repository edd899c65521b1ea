// The two participants of the simulation are the real state machines: db-node's DbState (stock
// reservations through its two-phase-commit participant) and payment's PaymentStateMachine (holds
// and captures), driven directly instead of through Raft and gRPC. A refused commit or abort is a
// protocol violation and stops the seed at once.
import { DbState } from "@bookstore/db-node/state-machine";
import { authorize, outcomeRoll } from "@bookstore/payment/outcomes";
import { PaymentStateMachine } from "@bookstore/payment/state-machine";
import type { Rng } from "@bookstore/raft";
import type { OrderPayload } from "../order-state-machine.js";
import type { CallOutcome, ParticipantCall } from "../two-phase-commit/coordinator.js";
import type { Decision, Participant } from "../two-phase-commit/transaction.js";
import { OrderSimViolation } from "./order-simulator.js";

export interface SimParticipant {
  handle(call: ParticipantCall, now: number): CallOutcome;
  /** Prepared transactions without a decision for longer than `afterMs`. */
  stalePrepared(now: number, afterMs: number): string[];
  /** The coordinator's answer to GetDecision, applied. */
  resolve(tx: string, decision: Decision, now: number): void;
  /** The transaction took effect here (stock decremented / card captured). */
  tookEffect(tx: string): boolean;
  openCount(): number;
}

const violation = (who: Participant, call: ParticipantCall, message: string) =>
  new OrderSimViolation(`${who} refused ${call.kind} of ${call.tx.id}: ${message}`);

export class StockSim implements SimParticipant {
  readonly db = new DbState();

  constructor(
    readonly books: number,
    readonly initial: number,
  ) {
    this.db.execute({ op: "seed", items: Array.from({ length: books }, (_, i) => [`stock:b${i}`, initial]) });
  }

  handle(call: ParticipantCall, now: number): CallOutcome {
    const tx = call.tx.id;
    if (call.kind === "prepare") {
      const lines = call.job.payload.lines.map((l) => ({ key: `stock:${l.bookId}`, amount: l.quantity }));
      const r = this.db.execute({ op: "prepare", tx, lines, coordinator: "sim", at: now });
      if (r.ok) return { type: "vote", vote: { participant: "stock", yes: true } };
      return {
        type: "vote",
        vote: {
          participant: "stock",
          yes: false,
          code: r.reason ?? r.code,
          message: r.message,
          ...(r.key ? { key: r.key } : {}),
          ...(r.value !== undefined ? { available: r.value } : {}),
        },
      };
    }
    const r = this.db.execute({ op: call.kind, tx });
    if (!r.ok) throw violation("stock", call, r.message);
    return { type: "ack" };
  }

  stalePrepared(now: number, afterMs: number): string[] {
    return [...this.db.participant.openTransactions()]
      .filter(([, p]) => now - p.at >= afterMs)
      .map(([tx]) => tx);
  }

  resolve(tx: string, decision: Decision): void {
    const r = this.db.execute({ op: decision === "COMMIT" ? "commit" : "abort", tx });
    if (!r.ok)
      throw new OrderSimViolation(`stock refused the coordinator's ${decision} of ${tx}: ${r.message}`);
  }

  tookEffect(tx: string): boolean {
    return this.db.decision(tx) === "committed";
  }

  openCount(): number {
    return [...this.db.participant.openTransactions()].length;
  }

  /** Sold + remaining = initial, for every book. */
  checkConservation(sold: Map<string, number>): void {
    for (let i = 0; i < this.books; i++) {
      const remaining = this.db.available(`stock:b${i}`) ?? -1;
      const n = sold.get(`b${i}`) ?? 0;
      if (remaining < 0 || n + remaining !== this.initial) {
        throw new OrderSimViolation(
          `book b${i}: sold ${n} + remaining ${remaining} != initial ${this.initial}`,
        );
      }
    }
  }
}

/** Cards the simulated shoppers use: the payment service's test cards and ordinary ones. */
const CARDS = [
  "4111111111111111",
  "4000000000000002",
  "4000000000009995",
  "4242424242424242",
  "5105105105105100",
];

export class PaymentSim implements SimParticipant {
  readonly payments = new PaymentStateMachine();
  private readonly cards = new Map<string, string>();

  constructor(private readonly seed: string) {}

  /** A new order of random books, paid with a card tokenised in the vault (or by bank transfer). */
  newOrder(orderId: string, rng: Rng, books: number): OrderPayload {
    const lines = Array.from({ length: rng.int(1, 2) }, (_, i) => ({
      bookId: `b${(rng.int(0, books - 1) + i) % books}`,
      title: `Book ${i}`,
      quantity: rng.int(1, 3),
      unitPriceCents: rng.int(500, 3000),
    })).filter((l, i, all) => all.findIndex((m) => m.bookId === l.bookId) === i);
    const token = `tok-${orderId}`;
    const card = rng.pick(CARDS);
    const customerId = `c-${orderId}`;
    this.cards.set(token, card);
    this.payments.execute({
      op: "tokenize",
      token,
      card: { customerId, brand: "visa", last4: card.slice(-4), expiry: "12/2099", sealed: "sealed" },
    });
    const method = rng.chance(0.9) ? "credit_card" : "bank_transfer";
    return {
      orderId,
      customerId,
      lines,
      totalCents: lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0),
      shippingMethod: rng.pick(["Standard", "Express", "Overnight"] as const),
      payment: { method, token: method === "credit_card" ? token : "", brand: "visa", last4: card.slice(-4) },
    };
  }

  handle(call: ParticipantCall, now: number): CallOutcome {
    const tx = call.tx.id;
    const order = call.job.payload;
    if (call.kind === "prepare") {
      const input = {
        tx,
        orderId: order.orderId,
        customerId: order.customerId,
        method: order.payment.method,
        token: order.payment.token,
        amountCents: order.totalCents,
        coordinator: "sim",
        at: now,
      };
      const card = this.cards.get(order.payment.token) ?? "";
      const outcome = authorize(input.method, card, outcomeRoll(this.seed, tx));
      const v =
        this.payments.preview(input) ??
        this.payments.execute({ op: "prepare", ...input, paymentId: `pay-${tx}`, outcome });
      if (!("vote" in v)) throw new OrderSimViolation(`payment answered a prepare of ${tx} without a vote`);
      return {
        type: "vote",
        vote: v.vote
          ? { participant: "payment", yes: true }
          : { participant: "payment", yes: false, code: v.reason, message: v.message },
      };
    }
    const r = this.decide(tx, call.kind === "commit" ? "COMMIT" : "ABORT", now);
    if (!r.ok) throw violation("payment", call, r.message);
    const rec = r.record;
    return rec && call.kind === "commit"
      ? {
          type: "ack",
          receipt: {
            paymentId: rec.paymentId,
            confirmationCode: rec.confirmationCode,
            processedAt: String(rec.at),
          },
        }
      : { type: "ack" };
  }

  private decide(tx: string, decision: Decision, now: number) {
    const r =
      decision === "COMMIT"
        ? this.payments.execute({ op: "commit", tx, at: now, confirmationCode: `conf-${tx}` })
        : this.payments.execute({ op: "abort", tx, at: now });
    if (!("ok" in r)) throw new OrderSimViolation(`payment answered a ${decision} of ${tx} without a result`);
    return r;
  }

  stalePrepared(now: number, afterMs: number): string[] {
    return [...this.payments.openHolds()].filter(([, h]) => now - h.at >= afterMs).map(([tx]) => tx);
  }

  resolve(tx: string, decision: Decision, now: number): void {
    const r = this.decide(tx, decision, now);
    if (!r.ok)
      throw new OrderSimViolation(`payment refused the coordinator's ${decision} of ${tx}: ${r.message}`);
  }

  tookEffect(tx: string): boolean {
    return this.payments.record(tx)?.status === "CAPTURED";
  }

  amount(tx: string): number | undefined {
    return this.payments.record(tx)?.amountCents;
  }

  openCount(): number {
    return [...this.payments.openHolds()].length;
  }
}

export function simParticipants(books: number, stockPerBook: number, seed: number) {
  return { stock: new StockSim(books, stockPerBook), payment: new PaymentSim(String(seed)) };
}
