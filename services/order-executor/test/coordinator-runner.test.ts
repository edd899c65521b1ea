// The runner's clock, on a Raft node stand-in whose proposals commit at once and mocked timers: while
// it leads a transaction in flight it notices a prepare deadline within one short tick; with nothing
// in flight, or as a follower, it wakes only every idle tick (each wake-up costs an idle process CPU).
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it, mock } from "node:test";
import { createLogger } from "@bookstore/kit";
import type { RaftNode } from "@bookstore/raft";
import { CoordinatorRunner } from "../src/coordinator-runner.js";
import { type CommandResult, OrderState } from "../src/order-state-machine.js";
import type { CallParticipant } from "../src/participant-clients.js";
import { order } from "./support.js";

const config = { concurrency: 2, prepareTimeoutMs: 50, prepareAttempts: 1, retryBaseMs: 10, retryMaxMs: 40 };

/** A node that leads (or follows `leaderId`) and commits every proposal at once; counts its status checks. */
function fakeNode(state: OrderState, leaderId = "n1") {
  let index = 0;
  const seen = { leaderChecks: 0 };
  const node = {
    id: "n1",
    leader: () => {
      seen.leaderChecks++;
      return leaderId;
    },
    propose: async (data: Uint8Array) => state.apply({ index: ++index, term: 1, data }),
  };
  return { node: node as unknown as RaftNode<CommandResult | undefined>, seen };
}

/** Participants that never answer: only the prepare deadline ends the transaction. */
const silent: CallParticipant = () => new Promise(() => {});

function runner(state: OrderState, node: RaftNode<CommandResult | undefined>) {
  return new CoordinatorRunner({
    node,
    state,
    config,
    call: silent,
    logger: createLogger({ service: "test", level: "silent" }),
    tickMs: 20,
    idleTickMs: 100,
  });
}

/** Moves the mocked clock in steps of 1 ms, letting promises settle between them. */
async function advance(ms: number): Promise<void> {
  for (let i = 0; i < ms; i++) {
    mock.timers.tick(1);
    for (let j = 0; j < 5; j++) await Promise.resolve();
  }
}

describe("coordinator runner: when it wakes", () => {
  beforeEach(() => mock.timers.enable({ apis: ["setTimeout", "setImmediate", "Date"], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it("leading a transaction in flight, it notices the prepare deadline within a short tick", async () => {
    const state = new OrderState();
    const { node } = fakeNode(state);
    const r = runner(state, node);
    r.start();
    // One idle tick, and it has seen itself lead; 10 ms later the order starts, and its deadline (50 ms)
    // comes 40 ms before the next idle wake.
    await advance(110);
    const submitted = Date.now();
    const result = await r.submit({ op: "submit", id: "o1", payload: order("o1"), at: submitted });
    assert.ok(result?.ok && result.tx, "the order starts in its submit entry");
    await advance(1);
    assert.equal(state.active.size, 1, "preparing, with calls that never answer");
    await advance(config.prepareTimeoutMs + 20 - (Date.now() - submitted));
    const [tx] = state.active.values();
    assert.equal(tx?.decision, "ABORT", "decided by the deadline, one short tick after it at most");
    r.stop();
  });

  it("with nothing in flight, and as a follower, it wakes every idle tick only", async () => {
    for (const leaderId of ["n1", "n2"]) {
      const state = new OrderState();
      const { node, seen } = fakeNode(state, leaderId);
      const r = runner(state, node);
      r.start();
      await advance(1000);
      r.stop();
      // Each wake asks who leads at most three times: ~10 wakes a second, not 50.
      assert.ok(seen.leaderChecks <= 35, `${leaderId} leads: ${seen.leaderChecks} checks in a second`);
    }
  });
});
