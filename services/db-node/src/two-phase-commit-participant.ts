// The db-node's side of two-phase commit: stock reservations. PrepareStock reserves every line of an
// order or none (available = stock − reserved; several lines of one key must fit together), commit
// turns the reservation into decrements, abort releases it. The protocol (idempotent repeats, abort
// before prepare, no commit after abort) is the shared ParticipantLedger's; this file adds the stock.
// Pure: part of the replicated state machine, no I/O, no clock.
import { invariant, type LedgerImage, ParticipantLedger, type TxStatus } from "@bookstore/two-phase-commit";

export interface StockLine {
  key: string;
  amount: number;
}

export type PrepareRefusal = "INSUFFICIENT_STOCK" | "NO_SUCH_KEY" | "ALREADY_ABORTED";

export type StockVote =
  | { vote: true }
  | {
      vote: false;
      reason: PrepareRefusal;
      /** The first key that could not be reserved ("" for ALREADY_ABORTED). */
      key: string;
      /** What was available at that key (0 when there is no stock record). */
      available: number;
      message: string;
    };

export type StockDecision = { ok: true } | { ok: false; message: string };

/** What the participant needs of the store it reserves from. */
export interface StockStore {
  /** The integer stock at `key`; undefined when there is no integer record there. */
  stock(key: string): number | undefined;
  /** Takes `amount` from the record at `key` (a committed reservation). */
  take(key: string, amount: number): void;
}

type Shortfall = Extract<StockVote, { vote: false }>;

export class StockParticipant {
  private readonly ledger: ParticipantLedger<StockLine[]>;
  /** Reserved amount per key: the sum over open transactions' lines. */
  private readonly held = new Map<string, number>();

  constructor(
    private readonly store: StockStore,
    /** Remembered decided transaction ids (oldest forgotten first). */
    memory = 100_000,
  ) {
    this.ledger = new ParticipantLedger(memory);
  }

  reserved(key: string): number {
    return this.held.get(key) ?? 0;
  }

  /** Reserved amount per key, for status pages and tests. */
  get reservedByKey(): ReadonlyMap<string, number> {
    return this.held;
  }

  /** Stock that can still be reserved or decremented: stock − reserved (undefined if no stock record). */
  available(key: string): number | undefined {
    const stock = this.store.stock(key);
    return stock === undefined ? undefined : stock - this.reserved(key);
  }

  status(tx: string): TxStatus | undefined {
    return this.ledger.status(tx);
  }

  openTransactions(): IterableIterator<[string, { coordinator: string; at: number }]> {
    return this.ledger.openTransactions();
  }

  prepare(tx: string, lines: StockLine[], coordinator: string, at: number): StockVote {
    const outcome = this.ledger.prepare<Shortfall>(tx, coordinator, at, () => {
      const wanted = sumByKey(lines);
      const short = this.shortfall(wanted);
      if (short) return { ok: false, refusal: short };
      for (const l of wanted) this.hold(l.key, l.amount);
      return { ok: true, resource: wanted };
    });
    if (outcome.vote) return { vote: true };
    if (outcome.reason === "REFUSED") return outcome.refusal;
    return {
      vote: false,
      reason: "ALREADY_ABORTED",
      key: "",
      available: 0,
      message: `transaction ${tx} was already aborted`,
    };
  }

  commit(tx: string): StockDecision {
    const r = this.ledger.commit(tx);
    if (!r.ok) {
      const why = r.reason === "ALREADY_ABORTED" ? "was aborted" : "was never prepared here";
      return { ok: false, message: `transaction ${tx} ${why}` };
    }
    for (const l of r.released?.resource ?? []) {
      this.hold(l.key, -l.amount);
      this.store.take(l.key, l.amount);
      this.checkKey(l.key);
    }
    this.checkDecided(tx);
    return { ok: true };
  }

  abort(tx: string): StockDecision {
    const r = this.ledger.abort(tx);
    if (!r.ok) return { ok: false, message: `transaction ${tx} was already committed` };
    for (const l of r.released?.resource ?? []) {
      this.hold(l.key, -l.amount);
      this.checkKey(l.key);
    }
    this.checkDecided(tx);
    return { ok: true };
  }

  snapshot(): LedgerImage<StockLine[]> {
    return this.ledger.snapshot();
  }

  /** Replaces the ledger (the store must already hold the records it reserves from). */
  restore(image: LedgerImage<StockLine[]>): void {
    this.ledger.restore(image);
    this.held.clear();
    for (const [, p] of this.ledger.openTransactions()) {
      for (const l of p.resource) this.hold(l.key, l.amount);
    }
    for (const key of this.held.keys()) this.checkKey(key);
  }

  /** The first line that does not fit, or undefined when all of them do. */
  private shortfall(wanted: StockLine[]): Shortfall | undefined {
    for (const { key, amount } of wanted) {
      const available = this.available(key);
      if (available === undefined) {
        return { vote: false, reason: "NO_SUCH_KEY", key, available: 0, message: `no stock record ${key}` };
      }
      if (available < amount) {
        const message = `${key}: ${available} available, ${amount} requested`;
        return { vote: false, reason: "INSUFFICIENT_STOCK", key, available, message };
      }
    }
    return undefined;
  }

  private hold(key: string, delta: number): void {
    const next = this.reserved(key) + delta;
    invariant(next >= 0, `reserved stock of ${key} would become ${next}`);
    if (next === 0) this.held.delete(key);
    else this.held.set(key, next);
    if (delta > 0) this.checkKey(key);
  }

  /** 0 ≤ reserved ≤ stock for one key. */
  private checkKey(key: string): void {
    const reserved = this.reserved(key);
    const stock = this.store.stock(key);
    invariant(
      reserved >= 0 && (reserved === 0 || (stock !== undefined && reserved <= stock)),
      `0 <= reserved <= stock for ${key} (reserved ${reserved}, stock ${stock})`,
    );
  }

  /** Never both reserved and decided. */
  private checkDecided(tx: string): void {
    const s = this.ledger.status(tx);
    invariant(
      this.ledger.get(tx) === undefined && s !== "prepared",
      `${tx} is decided but still holds a reservation`,
    );
  }
}

/** One line per key: two lines for one book must fit together. */
function sumByKey(lines: StockLine[]): StockLine[] {
  const wanted = new Map<string, number>();
  for (const l of lines) wanted.set(l.key, (wanted.get(l.key) ?? 0) + l.amount);
  return [...wanted].map(([key, amount]) => ({ key, amount }));
}
