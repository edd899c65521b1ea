// Recording a purchase for recommendations: a suggestions service that is down or restarting gets
// the purchase again with backoff (RecordPurchase is idempotent per order); a refusal that another
// attempt cannot fix, or the end of the follow window, ends the attempts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger } from "@bookstore/kit";
import { status } from "@grpc/grpc-js";
import { sendWithRetries } from "../src/purchase-recorder.js";

const logger = createLogger({ service: "purchase-recorder-test", level: "silent" });
const failure = (code: number) => Object.assign(new Error(status[code]), { code });

/** A send that fails with `codes` in turn, then succeeds; counts its calls. */
function scripted(codes: number[]) {
  const calls = { n: 0 };
  const send = async () => {
    const code = codes[calls.n++];
    if (code !== undefined) throw failure(code);
  };
  return { send, calls };
}

const options = (signal = new AbortController().signal) => ({
  signal,
  baseMs: 1,
  maxMs: 5,
  logger,
  orderId: "order-1",
});

describe("recording a purchase", () => {
  it("sends again while the suggestions service is unreachable, until it is recorded", async () => {
    const { send, calls } = scripted([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.UNAVAILABLE]);
    assert.equal(await sendWithRetries(send, options()), true);
    assert.equal(calls.n, 4);
  });

  it("does not repeat a refusal another attempt cannot fix", async () => {
    const { send, calls } = scripted([status.INVALID_ARGUMENT]);
    assert.equal(await sendWithRetries(send, options()), false);
    assert.equal(calls.n, 1);
  });

  it("stops when the order is no longer followed", async () => {
    const stop = new AbortController();
    const { send, calls } = scripted(Array(1000).fill(status.UNAVAILABLE));
    setTimeout(() => stop.abort(), 30);
    assert.equal(await sendWithRetries(send, { ...options(stop.signal), baseMs: 5 }), false);
    assert.ok(calls.n >= 2 && calls.n < 1000, `${calls.n} attempts`);
  });
});
