// Requests made together travel in one call and each gets its own answer; a failed call fails each
// of its requests; a service without the batch call gets one call per request, each failing alone.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type BatchCalls, CallBatcher } from "../src/call-batcher.js";
import { GrpcStatus } from "../src/errors.js";

const unimplemented = () =>
  Object.assign(new Error("not known"), { code: GrpcStatus.UNIMPLEMENTED, details: "", metadata: {} });

/** A service that doubles numbers, recording each call it receives; `many` may be replaced. */
function doubler(overrides: Partial<BatchCalls<number, number>> = {}) {
  const calls: { kind: "many" | "one"; requests: number[] }[] = [];
  const service: BatchCalls<number, number> = {
    many: async (requests) => {
      calls.push({ kind: "many", requests });
      return requests.map((n) => n * 2);
    },
    one: async (n) => {
      calls.push({ kind: "one", requests: [n] });
      if (n < 0) throw new Error(`refused ${n}`);
      return n * 2;
    },
    ...overrides,
  };
  return { service, calls };
}

describe("call batcher", () => {
  // The batcher's window timer does not hold a process open (unref): the test's does.
  let keepAlive: NodeJS.Timeout;
  before(() => {
    keepAlive = setInterval(() => {}, 1000);
  });
  after(() => clearInterval(keepAlive));

  it("sends what is added within a window in one call, answering each in its order", async () => {
    const { service, calls } = doubler();
    const batcher = new CallBatcher(service, { windowMs: 5, maxPerCall: 100 });
    assert.deepEqual(await Promise.all([1, 2, 3].map((n) => batcher.add(n))), [2, 4, 6]);
    assert.deepEqual(calls, [{ kind: "many", requests: [1, 2, 3] }]);
    assert.equal(await batcher.add(4), 8, "a later request opens a new window");
    assert.deepEqual(calls[1], { kind: "one", requests: [4] }, "alone, it goes as its own call");
  });

  it("with a window of 0, sends what one event-loop turn added together, without waiting", async () => {
    const { service, calls } = doubler();
    const batcher = new CallBatcher(service, { windowMs: 0, maxPerCall: 100 });
    const first = Promise.all([1, 2].map((n) => batcher.add(n)));
    await new Promise((r) => setImmediate(r));
    const second = batcher.add(3); // a later turn: its own call
    assert.deepEqual(await first, [2, 4]);
    assert.equal(await second, 6);
    assert.deepEqual(
      calls.map((c) => c.requests),
      [[1, 2], [3]],
    );
  });

  it("splits a window larger than one call may carry", async () => {
    const { service, calls } = doubler();
    const batcher = new CallBatcher(service, { windowMs: 5, maxPerCall: 2 });
    assert.deepEqual(await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.add(n))), [2, 4, 6, 8, 10]);
    assert.deepEqual(
      calls.map((c) => c.requests),
      [[1, 2], [3, 4], [5]],
    );
  });

  it("a call that fails, or answers the wrong number of requests, fails every request in it", async () => {
    const down = doubler({ many: async () => Promise.reject(new Error("unavailable")) });
    const failing = new CallBatcher(down.service, { windowMs: 5, maxPerCall: 100 });
    const outcomes = await Promise.allSettled([1, 2].map((n) => failing.add(n)));
    assert.deepEqual(
      outcomes.map((o) => o.status === "rejected" && (o.reason as Error).message),
      ["unavailable", "unavailable"],
    );
    const short = doubler({ many: async () => [2] });
    const shortBatcher = new CallBatcher(short.service, { windowMs: 5, maxPerCall: 100 });
    const answers = await Promise.allSettled([1, 2].map((n) => shortBatcher.add(n)));
    assert.ok(answers.every((o) => o.status === "rejected" && /expected 2 answers/.test(String(o.reason))));
  });

  it("a service without the batch call gets one call per request from then on, each failing alone", async () => {
    const { service, calls } = doubler({ many: async () => Promise.reject(unimplemented()) });
    const batcher = new CallBatcher(service, { windowMs: 5, maxPerCall: 100 });
    const outcomes = await Promise.allSettled([1, -1, 3].map((n) => batcher.add(n)));
    assert.deepEqual(
      outcomes.map((o) => (o.status === "fulfilled" ? o.value : (o.reason as Error).message)),
      [2, "refused -1", 6],
    );
    assert.equal(await batcher.add(5), 10);
    assert.deepEqual(
      calls.map((c) => c.kind),
      ["one", "one", "one", "one"],
      "the batch call is not tried again",
    );
  });
});
