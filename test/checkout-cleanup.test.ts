// Cleanup (ClearOrder) of many checkouts travels together: one ClearOrders call per service for
// what was queued within a few milliseconds (one alone goes as its own ClearOrder), each order
// answered as its own ClearOrder would be, and a service that does not know ClearOrders still gets
// every order cleared one by one.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AppError, GrpcStatus } from "@bookstore/kit";
import { post, startCheckoutStack, validBody } from "./support/checkout-stack.js";
import { until } from "./support/until.js";

describe("checkout cleanup", () => {
  it("twenty concurrent checkouts are cleaned up in a few ClearOrders calls, not twenty", async () => {
    const calls = { batches: 0, orders: 0, single: 0 };
    const stack = await startCheckoutStack({
      verification: (h) => ({
        clearOrders: (req, ctx) => {
          calls.batches++;
          calls.orders += req.orders.length;
          return h.clearOrders(req, ctx);
        },
        clearOrder: (req, ctx) => {
          calls.single++;
          return h.clearOrder(req, ctx);
        },
      }),
    });
    try {
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => post(stack.baseUrl, "/api/checkout", validBody())),
      );
      assert.ok(answers.every((a) => a.status === 201));
      await until(() => stack.tvStore.size === 0 && stack.fdStore.size === 0);
      // A cleanup alone in its window goes as its own ClearOrder.
      assert.equal(calls.orders + calls.single, 20);
      const sent = calls.batches + calls.single;
      assert.ok(sent < 20, `${calls.batches} ClearOrders and ${calls.single} ClearOrder calls for 20 orders`);
    } finally {
      await stack.close();
    }
  });

  it("a service without ClearOrders (UNIMPLEMENTED) gets one ClearOrder per order", async () => {
    let single = 0;
    const stack = await startCheckoutStack({
      verification: (h) => ({
        clearOrders: () => {
          throw new AppError(GrpcStatus.UNIMPLEMENTED, "unknown method");
        },
        clearOrder: (req, ctx) => {
          single++;
          return h.clearOrder(req, ctx);
        },
      }),
    });
    try {
      await Promise.all(Array.from({ length: 5 }, () => post(stack.baseUrl, "/api/checkout", validBody())));
      await until(() => stack.tvStore.size === 0);
      assert.equal(single, 5);
    } finally {
      await stack.close();
    }
  });
});
