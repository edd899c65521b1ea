import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { callUnary, clientFor, GrpcStatus } from "@bookstore/kit";
import { TransactionVerificationServiceClient } from "@bookstore/proto";
import { compare, fromEntries } from "@bookstore/vector-clock";
import type { ServiceError } from "@grpc/grpc-js";
import {
  type CheckoutStack,
  catalog,
  getJson,
  logLines,
  post,
  startCheckoutStack,
  validBody,
} from "./support/checkout-stack.js";
import { until } from "./support/until.js";

let stack: CheckoutStack;
before(async () => {
  stack = await startCheckoutStack();
});
after(() => stack.close());

describe("checkout: approved orders", () => {
  it("POST /checkout answers the seed's shape", async () => {
    const { status, body } = await post(stack.baseUrl, "/checkout", validBody());
    assert.equal(status, 200);
    assert.equal(body.status, "Order Approved");
    assert.match(body.orderId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(body.suggestedBooks, []);
  });

  it("POST /v2/checkout queues the order as PENDING, readable at /v2/orders/:id", async () => {
    const { status, body } = await post(stack.baseUrl, "/v2/checkout", validBody());
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(body).sort(), ["orderId", "status"]);
    assert.equal(body.status, "PENDING");
    const order = (await getJson(`${stack.baseUrl}/v2/orders/${body.orderId}`)).body;
    assert.equal(order.status, "PENDING");
    assert.equal(order.total, (catalog.get("the-hobbit")?.priceCents ?? -1) / 100, "priced from the catalog");
    const missing = await fetch(`${stack.baseUrl}/v2/orders/nope`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as any).error.code, "NOT_FOUND");
  });

  it("POST /api/checkout prices from the catalog and reports suggestions as unavailable", async () => {
    const { status, body } = await post(
      stack.baseUrl,
      "/api/checkout",
      validBody({
        items: [
          { id: "the-hobbit", quantity: 2 },
          { name: "dune", quantity: 1 },
        ],
      }),
    );
    assert.equal(status, 201);
    assert.equal(body.status, "PENDING");
    assert.equal(body.suggestions, "unavailable");
    const hobbit = catalog.get("the-hobbit");
    const dune = catalog.findByTitle("Dune");
    assert.equal(body.totalCents, (hobbit?.priceCents ?? 0) * 2 + (dune?.priceCents ?? 0));
    assert.ok(body.risk.score < 0.8, `risk ${body.risk.score}`);
  });

  it("every test card of the seed's clients is accepted", async () => {
    for (const [number, cvv] of [
      ["5555555555554444", "123"],
      ["378282246310005", "1234"],
      ["6011111111111117", "123"],
      ["4111 1111 1111 1111", "123"],
    ]) {
      const { status, body } = await post(
        stack.baseUrl,
        "/checkout",
        validBody({ creditCard: { number, expirationDate: "12/2030", cvv } }),
      );
      assert.equal(status, 200, `${number}: ${JSON.stringify(body)}`);
    }
  });
});

describe("checkout: rejections name the field and the rule", () => {
  const rejected = async (overrides: Record<string, unknown>) => {
    const { status, body } = await post(stack.baseUrl, "/api/checkout", validBody(overrides));
    assert.equal(status, 422, JSON.stringify(body));
    assert.equal(body.error.code, "ORDER_REJECTED");
    return body.error.details as { field: string; rule: string; message: string }[];
  };
  const card = (number: string, expirationDate = "12/30", cvv = "123") => ({
    creditCard: { number, expirationDate, cvv },
  });

  it("card failing Luhn", async () => {
    const details = await rejected(card("1234567890123456"));
    assert.ok(details.some((d) => d.field === "creditCard.number" && d.rule === "luhn"));
  });
  it("all-zero card that passes Luhn", async () => {
    const details = await rejected(card("0000000000000000"));
    assert.ok(details.some((d) => d.field === "creditCard.number"));
  });
  it("expired card", async () => {
    const details = await rejected(card("4111111111111111", "01/20"));
    assert.ok(details.some((d) => d.field === "creditCard.expirationDate" && d.rule === "expired"));
  });
  it("CVV of the wrong length for the brand", async () => {
    const details = await rejected(card("378282246310005", "12/30", "123"));
    assert.ok(details.some((d) => d.field === "creditCard.cvv"));
  });
  it("user contact that is neither e-mail nor phone", async () => {
    // Shaped like an e-mail (the edge lets it through), but not one by the service's rule.
    const details = await rejected({ user: { name: "John Doe", contact: "john..doe@example.com" } });
    assert.ok(details.some((d) => d.field === "user.contact"));
  });
  it("postal code not in the country's format, and an unknown country", async () => {
    const details = await rejected({
      billingAddress: { street: "1 Main St", city: "Tallinn", zip: "ABC", country: "Estonia" },
    });
    assert.ok(details.some((d) => d.field === "billingAddress.zip" && d.rule === "postal_code"));
    const unknown = await rejected({
      billingAddress: { street: "1 Main St", city: "X", zip: "1", country: "Atlantis" },
    });
    assert.ok(unknown.some((d) => d.field === "billingAddress.country"));
  });
  it("the same book twice in one order", async () => {
    const details = await rejected({
      items: [
        { name: "Dune", quantity: 1 },
        { id: "dune", quantity: 2 },
      ],
    });
    assert.ok(details.some((d) => d.field === "items[1]" && d.rule === "duplicate"));
  });
  it("a card used too often is rejected as fraud, with the reason codes", async () => {
    const burst = card("5555555555554444");
    let last: { status: number; body: Record<string, any> } | undefined;
    for (let i = 0; i < 10; i++) last = await post(stack.baseUrl, "/api/checkout", validBody(burst));
    assert.equal(last?.status, 422);
    const detail = last?.body.error.details.find((d: { field: string }) => d.field === "order");
    assert.equal(detail.rule, "fraud_risk");
    assert.match(detail.message, /VELOCITY/);
  });
  it("an e-mail containing 'test' is not fraud", async () => {
    const { status } = await post(
      stack.baseUrl,
      "/checkout",
      validBody({ user: { name: "Tess Tester", contact: "test.fraud@test.example.com" } }),
    );
    assert.equal(status, 200);
  });
});

describe("checkout: malformed requests get 4xx with every problem, never 500", () => {
  it("missing and mistyped fields are all named", async () => {
    const { status, body } = await post(stack.baseUrl, "/checkout", {
      user: { name: 5 },
      items: [{ quantity: "two" }],
      shippingMethod: "Teleport",
      termsAndConditionsAccepted: true,
      surprise: 1,
    });
    assert.equal(status, 400);
    assert.equal(body.error.code, "INVALID_REQUEST");
    const fields = body.error.details.map((d: { field: string }) => d.field);
    for (const f of [
      "user.name",
      "user.contact",
      "creditCard",
      "billingAddress",
      "items[0].quantity",
      "items[0]",
      "shippingMethod",
      "surprise",
    ]) {
      assert.ok(fields.includes(f), `${f} in ${fields.join(", ")}`);
    }
  });
  it("no items, and a quantity out of range, are shape rules: 400 at the edge, all at once", async () => {
    const { status, body } = await post(
      stack.baseUrl,
      "/api/checkout",
      validBody({ items: [{ name: "Dune", quantity: 0 }], user: { name: "", contact: "x@example.com" } }),
    );
    assert.equal(status, 400);
    assert.deepEqual(body.error.details.map((d: { field: string }) => d.field).sort(), [
      "items[0].quantity",
      "user.name",
    ]);
    const empty = await post(stack.baseUrl, "/api/checkout", validBody({ items: [] }));
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error.details[0].field, "items");
  });
  it("unknown books and terms not accepted are reported together", async () => {
    const { status, body } = await post(
      stack.baseUrl,
      "/checkout",
      validBody({ items: [{ name: "No Such Book", quantity: 1 }], termsAndConditionsAccepted: false }),
    );
    assert.equal(status, 400);
    assert.deepEqual(body.error.details.map((d: { field: string }) => d.field).sort(), [
      "items[0]",
      "termsAndConditionsAccepted",
    ]);
  });
  it("terms not accepted alone uses the seed's code", async () => {
    const { status, body } = await post(
      stack.baseUrl,
      "/checkout",
      validBody({ termsAndConditionsAccepted: false }),
    );
    assert.equal(status, 400);
    assert.equal(body.error.code, "TERMS_NOT_ACCEPTED");
  });
  it("malformed JSON, wrong content type, oversized body, wrong method", async () => {
    const broken = await post(stack.baseUrl, "/checkout", "{not json");
    assert.equal(broken.status, 400);
    assert.equal(broken.body.error.code, "MALFORMED_JSON");
    const text = await fetch(`${stack.baseUrl}/checkout`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "hi",
    });
    assert.equal(text.status, 415);
    assert.equal(((await text.json()) as any).error.code, "UNSUPPORTED_MEDIA_TYPE");
    const huge = await post(stack.baseUrl, "/checkout", validBody({ userComment: "x".repeat(200_000) }));
    assert.equal(huge.status, 413);
    const get = await fetch(`${stack.baseUrl}/checkout`);
    assert.equal(get.status, 405);
    assert.equal(((await get.json()) as any).error.code, "METHOD_NOT_ALLOWED");
  });
});

describe("checkout: idempotency", () => {
  it("a retried request with the same key returns the first result", async () => {
    const headers = { "idempotency-key": `key-${Math.random()}` };
    const body = validBody();
    const first = await post(stack.baseUrl, "/api/checkout", body, headers);
    const second = await post(stack.baseUrl, "/api/checkout", body, headers);
    assert.equal(first.status, 201);
    assert.deepEqual(second, first);
    const other = await post(
      stack.baseUrl,
      "/api/checkout",
      validBody({ items: [{ name: "Dune", quantity: 3 }] }),
      headers,
    );
    assert.equal(other.status, 422);
    assert.equal(other.body.error.code, "IDEMPOTENCY_KEY_REUSED");
  });
});

describe("checkout: vector clocks and cleanup", () => {
  it("each service's clock follows the event order of the graph", async () => {
    const { body } = await post(stack.baseUrl, "/api/checkout", validBody());
    const order = (await getJson(`${stack.baseUrl}/api/orders/${body.orderId}`)).body;
    const received = (prefix: string) => {
      const e = order.events.find((x: { event: string }) => x.event.startsWith(prefix));
      assert.ok(e, `event ${prefix} traced`);
      return fromEntries(e.received);
    };
    const edges: [string, string][] = [
      ["a:", "c:"],
      ["b:", "d:"],
      ["c:", "e:"],
      ["d:", "e:"],
    ];
    for (const [from, to] of edges)
      assert.equal(compare(received(from), received(to)), "before", `${from} -> ${to}`);
    for (const e of order.events) {
      assert.equal(
        compare(fromEntries(e.sent), fromEntries(e.received)),
        "before",
        `${e.event} reply after its send`,
      );
    }
  });

  it("per-order state is deleted on every service after the decision", async () => {
    await post(stack.baseUrl, "/checkout", validBody());
    await until(() => stack.tvStore.size === 0 && stack.fdStore.size === 0);
  });

  it("cleanup with a stale clock is refused and keeps the data", async () => {
    const tv = clientFor(TransactionVerificationServiceClient, stack.tvAddr);
    const orderId = `stale-${Date.now()}`;
    const init = await callUnary(
      tv,
      tv.initializeOrder,
      {
        orderId,
        user: { name: "A", contact: "a@example.com" },
        card: { number: "4111111111111111", expirationDate: "12/30", cvv: "123" },
        lines: [],
        billingAddress: undefined,
        vectorClock: { entries: { orchestrator: 1 } },
      },
      { deadlineMs: 1000 },
    );
    await callUnary(tv, tv.checkItems, { orderId, vectorClock: init.vectorClock }, { deadlineMs: 1000 });
    const refused = await callUnary(
      tv,
      tv.clearOrder,
      { orderId, finalClock: init.vectorClock },
      { deadlineMs: 1000 },
    ).then(
      () => undefined,
      (e: ServiceError) => e,
    );
    assert.equal(refused?.code, GrpcStatus.FAILED_PRECONDITION);
    assert.ok(stack.tvStore.clockOf(orderId), "data kept");
    const clock = fromEntries(stack.tvStore.clockOf(orderId) ?? {});
    await callUnary(
      tv,
      tv.clearOrder,
      { orderId, finalClock: { entries: { ...clock } } },
      { deadlineMs: 1000 },
    );
    assert.equal(stack.tvStore.clockOf(orderId), undefined);
  });

  it("a call for an order never initialised answers NOT_FOUND at once", async () => {
    const tv = clientFor(TransactionVerificationServiceClient, stack.tvAddr);
    const t0 = Date.now();
    const error = await callUnary(
      tv,
      tv.checkCard,
      { orderId: "never-seen", vectorClock: { entries: {} } },
      { deadlineMs: 5000 },
    ).then(
      () => undefined,
      (e: ServiceError) => e,
    );
    assert.equal(error?.code, GrpcStatus.NOT_FOUND);
    assert.ok(Date.now() - t0 < 1000);
  });
});

describe("documentation", () => {
  it("serves the OpenAPI document with the checkout schema", async () => {
    const { status, body } = await getJson(`${stack.baseUrl}/docs/json`);
    assert.equal(status, 200);
    assert.ok(body.paths["/api/checkout"].post.requestBody);
    assert.ok(body.paths["/checkout"] && body.paths["/v2/checkout"] && body.paths["/v2/orders/{id}"]);
    assert.equal((await fetch(`${stack.baseUrl}/docs`)).status < 400, true);
  });
});

describe("logs", () => {
  it("no card number or CVV appears in any log line", async () => {
    await post(
      stack.baseUrl,
      "/checkout",
      validBody({ creditCard: { number: "6011111111111117", expirationDate: "12/30", cvv: "987" } }),
    );
    await post(
      stack.baseUrl,
      "/checkout",
      validBody({ creditCard: { number: "6011 1111 1111 1117", expirationDate: "12/30", cvv: "987" } }),
    );
    assert.ok(logLines.length > 0);
    for (const line of logLines) {
      assert.ok(!/6011\D?1111\D?1111\D?1117/.test(line), line);
      assert.ok(!line.includes("4111111111111111"), line);
      assert.ok(!line.includes('"987"'), line);
    }
  });
});
