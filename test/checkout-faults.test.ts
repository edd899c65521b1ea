import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { post, startCheckoutStack, validBody } from "./support/checkout-stack.js";

describe("checkout under faults", () => {
  it("the first failure cancels the call in flight, and the slow service sees the cancellation", async () => {
    const seen: string[] = [];
    const stack = await startCheckoutStack({
      verification: (real) => ({
        // Event c takes long; event b fails meanwhile (bad contact), which must cancel c.
        checkCard: async (request, context) => {
          seen.push("c started");
          try {
            await sleep(3000, undefined, { signal: context.signal });
          } catch {
            seen.push("c cancelled");
            throw new Error("cancelled");
          }
          return real.checkCard(request, context);
        },
        checkUser: async (request, context) => {
          await sleep(50);
          return real.checkUser(request, context);
        },
      }),
    });
    try {
      const t0 = Date.now();
      const { status, body } = await post(
        stack.baseUrl,
        "/api/checkout",
        validBody({ user: { name: "Jo", contact: "jo..x@example.com" } }),
      );
      const elapsed = Date.now() - t0;
      assert.equal(status, 422);
      assert.ok(body.error.details.some((d: { field: string }) => d.field === "user.contact"));
      assert.ok(elapsed < 1500, `answered in ${elapsed} ms, without waiting for the slow call`);
      for (let i = 0; i < 100 && !seen.includes("c cancelled"); i++) await sleep(10);
      assert.deepEqual(seen, ["c started", "c cancelled"]);
    } finally {
      await stack.close();
    }
  });

  it("cleanup refused for a clock the orchestrator never saw is retried with the service's clock", async () => {
    const stack = await startCheckoutStack({
      verification: (real) => ({
        // c is processed (the service's clock moves) but its reply is lost to cancellation.
        checkCard: async (request, context) => {
          const reply = await real.checkCard(request, context);
          await sleep(500, undefined, { signal: context.signal }).catch(() => {});
          return reply;
        },
        checkUser: async (request, context) => {
          await sleep(50);
          return real.checkUser(request, context);
        },
      }),
    });
    try {
      const { status } = await post(
        stack.baseUrl,
        "/api/checkout",
        validBody({ user: { name: "Jo", contact: "jo..x@example.com" } }),
      );
      assert.equal(status, 422);
      for (let i = 0; i < 200 && stack.tvStore.size > 0; i++) await sleep(10);
      assert.equal(stack.tvStore.size, 0, "verification state cleared after the retry");
      assert.equal(stack.fdStore.size, 0);
    } finally {
      await stack.close();
    }
  });

  it("with fraud detection down, checkout answers 503 naming it, within the call deadline", async () => {
    const stack = await startCheckoutStack({ callDeadlineMs: 1000 });
    try {
      await stack.fd.server.forceShutdown();
      const t0 = Date.now();
      const { status, body } = await post(stack.baseUrl, "/checkout", validBody());
      assert.equal(status, 503);
      assert.equal(body.error.code, "SERVICE_UNAVAILABLE");
      assert.match(body.error.message, /fraud-detection/);
      assert.ok(Date.now() - t0 < 1500);
      const health = await fetch(`${stack.baseUrl}/api/health`);
      assert.equal(health.status, 503);
      assert.equal(((await health.json()) as any).services["fraud-detection"], "UNREACHABLE");
    } finally {
      await stack.close();
    }
  });

  it("a service that stops answering makes checkout fail with 503 at the deadline", async () => {
    const stack = await startCheckoutStack({
      callDeadlineMs: 300,
      fraud: () => ({ checkUserFraud: () => new Promise(() => {}) }),
    });
    try {
      const t0 = Date.now();
      const { status, body } = await post(stack.baseUrl, "/checkout", validBody());
      assert.equal(status, 503);
      assert.match(body.error.message, /fraud-detection did not answer in time/);
      assert.ok(Date.now() - t0 < 1000);
    } finally {
      await stack.close();
    }
  });
});
