// The decision resolver: which transactions it asks about, what it applies, and what it leaves alone.
// The pass logic runs against a ledger and a decision table with a fixed clock (deterministic); the
// gRPC decision source runs against real gRPC servers answering from a fixed decision table (a
// stand-in for the order executor), including a follower's leader hint and an unreachable address.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { closeAllClients, createLogger, freePort } from "@bookstore/kit";
import {
  COMMIT_ABORT_PENDING,
  type FixedDecisionCoordinator,
  startFixedDecisionCoordinator,
} from "../../../test/support/fixed-decision-coordinator.js";
import {
  type DecisionSource,
  grpcDecisionSource,
  resolveStaleTransactions,
  staleTransactions,
  type Verdict,
} from "../src/decision-resolver.js";
import { ParticipantLedger } from "../src/participant.js";

const logger = createLogger({ service: "resolver-test", level: "silent" });

function ledgerWith(entries: [tx: string, coordinator: string, at: number][]): ParticipantLedger<number> {
  const l = new ParticipantLedger<number>();
  for (const [tx, coordinator, at] of entries)
    l.prepare(tx, coordinator, at, () => ({ ok: true, resource: 1 }));
  return l;
}

/** A decision source answering from a table, counting questions. */
function tableSource(table: Record<string, Verdict>, asked: string[]): DecisionSource {
  return async (_coordinator, tx) => {
    asked.push(tx);
    return table[tx] ?? "UNKNOWN";
  };
}

describe("decision resolver: one pass", () => {
  const table: Record<string, Verdict> = { c: "COMMIT", a: "ABORT", p: "PENDING" };

  it("selects only transactions older than the timeout that name a coordinator", () => {
    const l = ledgerWith([
      ["old", "x:1", 0],
      ["edge", "x:1", 500],
      ["young", "x:1", 501],
      ["nobody", "", 0],
    ]);
    assert.deepEqual(
      staleTransactions(l.openTransactions(), 1000, 500).map(([tx]) => tx),
      ["old", "edge"],
    );
  });

  it("applies COMMIT and ABORT; PENDING and UNKNOWN stay prepared; only the owner resolves", async () => {
    const l = ledgerWith([
      ["c", "x:1", 0],
      ["a", "x:1", 0],
      ["p", "x:1", 0],
      ["u", "x:1", 0],
    ]);
    const asked: string[] = [];
    let owner = false;
    const options = {
      isOwner: () => owner,
      open: () => l.openTransactions(),
      apply: async (tx: string, d: "COMMIT" | "ABORT") => (d === "COMMIT" ? l.commit(tx) : l.abort(tx)),
      source: tableSource(table, asked),
      timeoutMs: 100,
      now: () => 1000,
    };
    assert.deepEqual(await resolveStaleTransactions(options), []);
    assert.deepEqual(asked, [], "a replica that is not the owner asks nobody");
    owner = true;
    assert.deepEqual((await resolveStaleTransactions(options)).sort(), ["a", "c"]);
    assert.equal(l.status("c"), "committed");
    assert.equal(l.status("a"), "aborted");
    assert.equal(l.status("p"), "prepared");
    assert.equal(l.status("u"), "prepared");
    assert.deepEqual(await resolveStaleTransactions(options), [], "asked again, still undecided");
  });

  it("a failed apply is reported and retried on the next pass", async () => {
    const l = ledgerWith([["c", "x:1", 0]]);
    let fail = true;
    const errors: string[] = [];
    const options = {
      isOwner: () => true,
      open: () => l.openTransactions(),
      apply: async (tx: string) => {
        if (fail) throw new Error("not the leader any more");
        return l.commit(tx);
      },
      source: tableSource(table, []),
      timeoutMs: 1,
      now: () => 10,
      onError: (tx: string) => errors.push(tx),
    };
    assert.deepEqual(await resolveStaleTransactions(options), []);
    assert.deepEqual(errors, ["c"]);
    assert.equal(l.status("c"), "prepared");
    fail = false;
    assert.deepEqual(await resolveStaleTransactions(options), ["c"]);
  });
});

describe("decision resolver: GetDecision over gRPC", { timeout: 20_000 }, () => {
  let leader: FixedDecisionCoordinator;
  let follower: FixedDecisionCoordinator;
  before(async () => {
    leader = await startFixedDecisionCoordinator(COMMIT_ABORT_PENDING, logger);
    follower = await startFixedDecisionCoordinator({}, logger, leader.address);
  });
  after(async () => {
    await leader?.server.close();
    await follower?.server.close();
    closeAllClients();
  });

  it("maps the answer, follows one leader hint, and says UNKNOWN when nobody answers", async () => {
    const source = grpcDecisionSource(500);
    assert.equal(await source(leader.address, "tx-commit"), "COMMIT");
    assert.equal(await source(leader.address, "tx-abort"), "ABORT");
    assert.equal(await source(leader.address, "tx-pending"), "PENDING");
    assert.equal(await source(leader.address, "tx-unheard-of"), "UNKNOWN");
    assert.equal(await source(follower.address, "tx-commit"), "COMMIT", "redirected to the leader");
    assert.equal(follower.asked.get("tx-commit"), 1);
    const dead = `127.0.0.1:${await freePort()}`;
    assert.equal(await source(dead, "tx-commit"), "UNKNOWN");
    assert.equal(await source(`${dead}, ${leader.address}`, "tx-abort"), "ABORT", "a list is asked in turn");
  });
});
