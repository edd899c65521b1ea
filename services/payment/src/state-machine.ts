// The payment service's durable state as pure logic, applied from its Raft log: the card vault
// (tokens → sealed card numbers) and the payments (holds and captures) over the shared 2PC
// participant ledger. No I/O, no clock, no randomness: times, payment ids, confirmation codes and
// the simulated network's answer come inside the commands, so replaying the log rebuilds the same
// state whatever the configuration is now. Neither a card number nor a CVV ever reaches this file:
// the vault holds ciphertext, brand and last four digits.
import { type AppliedEntry, jsonCodec, type StateMachine } from "@bookstore/raft";
import { isExpired, parseExpiry } from "@bookstore/transaction-verification/rules/expiry";
import { invariant, type LedgerImage, ParticipantLedger } from "@bookstore/two-phase-commit";
import type { Outcome } from "./outcomes.js";
import type { PrepareInput } from "./validation.js";

export interface VaultCard {
  customerId: string;
  brand: string;
  last4: string;
  /** MM/YYYY */
  expiry: string;
  /** AES-256-GCM ciphertext of the number (see card-cipher.ts). */
  sealed: string;
}

export type PaymentStatus = "AUTHORIZED" | "CAPTURED" | "VOIDED" | "DECLINED";

export interface PaymentRecord {
  tx: string;
  orderId: string;
  customerId: string;
  method: string;
  token: string;
  amountCents: number;
  paymentId: string;
  status: PaymentStatus;
  /** Why it was declined ("" otherwise). */
  reason: string;
  confirmationCode: string;
  /** When the status last changed (ms, the proposer's clock). */
  at: number;
}

/** What a hold keeps in the ledger. */
interface Hold {
  paymentId: string;
  amountCents: number;
}

export type PrepareCommand = { op: "prepare" } & PrepareInput & {
    at: number;
    /** Used if this Prepare places the hold (a repeat keeps the first one's). */
    paymentId: string;
    outcome: Outcome;
  };

export type Command =
  | { op: "tokenize"; token: string; card: VaultCard }
  | PrepareCommand
  | { op: "commit"; tx: string; at: number; confirmationCode: string }
  | { op: "abort"; tx: string; at: number };

export type Vote =
  | { vote: true; paymentId: string }
  | { vote: false; reason: string; message: string; paymentId: string };

export type Refusal = "NOT_PREPARED" | "ALREADY_ABORTED" | "ALREADY_COMMITTED";

export type Decided = { ok: true; record?: PaymentRecord } | { ok: false; reason: Refusal; message: string };

export type CommandResult = { token: string } | Vote | Decided;

interface Snapshot {
  v: 1;
  vault: [string, VaultCard][];
  records: [string, PaymentRecord][];
  ledger: LedgerImage<Hold>;
}

const codec = jsonCodec<Command>();
export const encodeCommand = codec.encode;
export const decodeCommand = codec.decode;

/** True once a MM/YYYY card has expired (from the 1st of the month after, UTC). */
function expired(expiry: string, at: number): boolean {
  const parsed = parseExpiry(expiry);
  return !parsed.ok || isExpired(parsed.expiry, new Date(at));
}

export class PaymentStateMachine implements StateMachine<CommandResult | undefined> {
  private readonly vault = new Map<string, VaultCard>();
  private readonly records = new Map<string, PaymentRecord>();
  private readonly ledger = new ParticipantLedger<Hold>();

  apply(entry: AppliedEntry): CommandResult | undefined {
    if (entry.data.length === 0) return undefined; // the leader's no-op
    return this.execute(decodeCommand(entry.data));
  }

  execute(c: Command): CommandResult {
    switch (c.op) {
      case "tokenize":
        if (!this.vault.has(c.token)) this.vault.set(c.token, c.card);
        return { token: c.token };
      case "prepare":
        return this.preview(c) ?? this.place(c);
      case "commit":
        return this.capture(c.tx, c.at, c.confirmationCode);
      case "abort":
        return this.void(c.tx, c.at);
    }
  }

  card(token: string): VaultCard | undefined {
    return this.vault.get(token);
  }

  record(tx: string): PaymentRecord | undefined {
    return this.records.get(tx);
  }

  /** Records in transaction-id order, starting after `after`. */
  list(after: string, limit: number): PaymentRecord[] {
    const ids = [...this.records.keys()].filter((tx) => tx > after).sort();
    return ids.slice(0, limit).map((tx) => this.records.get(tx) as PaymentRecord);
  }

  openHolds(): IterableIterator<[string, { coordinator: string; at: number }]> {
    return this.ledger.openTransactions();
  }

  /**
   * The vote on a Prepare if it is already settled without a change: a repeat (the first answer
   * again), or a refusal of the token, customer, expiry or an aborted transaction. Undefined when
   * applying it would place a new hold or record a decline. The service asks before proposing.
   */
  preview(p: PrepareInput & { at: number }): Vote | undefined {
    const existing = this.records.get(p.tx);
    if (existing) return repeatVote(existing, p);
    const no = (reason: string, message: string): Vote => ({ vote: false, reason, message, paymentId: "" });
    if (this.ledger.status(p.tx) === "aborted")
      return no("ALREADY_ABORTED", `transaction ${p.tx} was already aborted`);
    if (p.method !== "credit_card") return undefined;
    const card = this.vault.get(p.token);
    if (!card) return no("INVALID_TOKEN", "card_token is unknown to the vault");
    if (card.customerId !== p.customerId)
      return no("CUSTOMER_MISMATCH", "card_token was issued to another customer");
    if (expired(card.expiry, p.at))
      return no("CARD_EXPIRED", `the card expired at the end of ${card.expiry}`);
    return undefined;
  }

  snapshot(): Uint8Array {
    const image: Snapshot = {
      v: 1,
      vault: [...this.vault],
      records: [...this.records],
      ledger: this.ledger.snapshot(),
    };
    return new TextEncoder().encode(JSON.stringify(image));
  }

  restore(data: Uint8Array): void {
    const image = JSON.parse(new TextDecoder().decode(data)) as Snapshot;
    this.vault.clear();
    this.records.clear();
    for (const [token, card] of image.vault) this.vault.set(token, card);
    for (const [tx, r] of image.records) this.records.set(tx, r);
    this.ledger.restore(image.ledger);
    for (const tx of this.records.keys()) this.check(tx);
  }

  // ---- transitions ---------------------------------------------------------------------------

  /** A new attempt: a hold for the exact amount when approved, else a recorded decline. */
  private place(c: PrepareCommand): Vote {
    const { op: _op, outcome, coordinator, ...fields } = c;
    const record: PaymentRecord = { ...fields, status: "AUTHORIZED", reason: "", confirmationCode: "" };
    if (outcome !== "APPROVED") {
      // A no vote may abort unilaterally: a later Commit is refused, a retried Prepare says the same.
      this.records.set(c.tx, { ...record, status: "DECLINED", reason: outcome });
      this.ledger.abort(c.tx);
      this.check(c.tx);
      return { vote: false, reason: outcome, message: declineMessage(outcome), paymentId: c.paymentId };
    }
    const held = this.ledger.prepare(c.tx, coordinator, c.at, () => ({
      ok: true,
      resource: { paymentId: c.paymentId, amountCents: c.amountCents },
    }));
    invariant(held.vote && held.first, `a new hold for ${c.tx} is placed once`);
    this.records.set(c.tx, record);
    this.check(c.tx);
    return { vote: true, paymentId: c.paymentId };
  }

  private capture(tx: string, at: number, confirmationCode: string): Decided {
    const record = this.records.get(tx);
    if (record?.status === "CAPTURED") return { ok: true, record };
    if (record?.status === "VOIDED" || record?.status === "DECLINED") {
      return refuse(
        "ALREADY_ABORTED",
        `transaction ${tx} was ${record.status.toLowerCase()}; it is never captured`,
      );
    }
    const r = this.ledger.commit(tx);
    if (!r.ok) {
      return r.reason === "ALREADY_ABORTED"
        ? refuse("ALREADY_ABORTED", `transaction ${tx} was aborted; it is never captured`)
        : refuse("NOT_PREPARED", `no hold for transaction ${tx}`);
    }
    invariant(record !== undefined && r.released !== undefined, `${tx}: a hold has its record`);
    Object.assign(record, { status: "CAPTURED", confirmationCode, at });
    this.check(tx);
    return { ok: true, record };
  }

  private void(tx: string, at: number): Decided {
    const record = this.records.get(tx);
    if (record?.status === "CAPTURED") {
      return refuse("ALREADY_COMMITTED", `transaction ${tx} was captured; a capture is never voided`);
    }
    if (record?.status === "VOIDED" || record?.status === "DECLINED") return { ok: true, record };
    const r = this.ledger.abort(tx);
    invariant(r.ok, `abort of ${tx} (not captured) is accepted`);
    if (record) Object.assign(record, { status: "VOIDED", at });
    this.check(tx);
    return record ? { ok: true, record } : { ok: true };
  }

  /** A hold is open in the ledger exactly when its record says AUTHORIZED, for the exact amount. */
  private check(tx: string): void {
    const record = this.records.get(tx);
    const hold = this.ledger.get(tx);
    invariant((record?.status === "AUTHORIZED") === (hold !== undefined), `${tx}: hold open iff authorized`);
    if (record && hold)
      invariant(hold.resource.amountCents === record.amountCents, `${tx}: hold for the exact amount`);
    const decided = this.ledger.status(tx);
    if (record?.status === "CAPTURED") invariant(decided !== "aborted", `${tx}: captured but aborted`);
    if (record?.status === "VOIDED" || record?.status === "DECLINED") {
      invariant(decided !== "committed", `${tx}: voided but committed`);
    }
  }
}

function refuse(reason: Refusal, message: string): Decided {
  return { ok: false, reason, message };
}

function declineMessage(outcome: Outcome): string {
  return outcome === "INSUFFICIENT_FUNDS" ? "declined: insufficient funds" : "declined by the issuer";
}

/** A repeated Prepare gets the first answer, unless it is not the same payment. */
function repeatVote(r: PaymentRecord, p: PrepareInput): Vote {
  const same =
    r.orderId === p.orderId &&
    r.customerId === p.customerId &&
    r.method === p.method &&
    r.token === p.token &&
    r.amountCents === p.amountCents;
  if (!same) {
    const message = `transaction ${p.tx} was prepared for another order, customer, method or amount`;
    return { vote: false, reason: "TRANSACTION_MISMATCH", message, paymentId: r.paymentId };
  }
  switch (r.status) {
    case "AUTHORIZED":
    case "CAPTURED":
      return { vote: true, paymentId: r.paymentId };
    case "DECLINED":
      return {
        vote: false,
        reason: r.reason,
        message: declineMessage(r.reason as Outcome),
        paymentId: r.paymentId,
      };
    case "VOIDED":
      return {
        vote: false,
        reason: "ALREADY_ABORTED",
        message: `transaction ${p.tx} was voided`,
        paymentId: r.paymentId,
      };
  }
}
