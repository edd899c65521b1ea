// The checkout body's shape rules at the edge: every broken one answered at once (400, each field
// named with words a shopper can act on), before any service is asked.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { loadCatalog } from "@bookstore/catalog";
import { createLogger } from "@bookstore/kit";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../src/app.js";

const valid = () => ({
  user: { name: "Ada Lovelace", contact: "ada@example.com" },
  creditCard: { number: "4111 1111 1111 1111", expirationDate: "12/30", cvv: "123" },
  items: [{ id: "dune", quantity: 1 }],
  billingAddress: { street: "1 Main St", city: "Springfield", state: "IL", zip: "62701", country: "USA" },
  shippingMethod: "Standard",
  termsAndConditionsAccepted: true,
});

describe("checkout shape rules at the edge", () => {
  let app: FastifyInstance;
  let flowCalls = 0;
  before(async () => {
    app = await buildApp({
      catalog: loadCatalog(),
      flow: {
        run: async () => {
          flowCalls++;
          throw new Error("the services must not be asked about a malformed body");
        },
      },
      health: async () => ({}),
      fingerprintKey: "test-fingerprint-key-0123",
      logger: createLogger({ service: "test", level: "silent" }),
    });
  });
  after(() => app.close());

  const post = async (body: unknown) => {
    const r = await app.inject({ method: "POST", url: "/api/checkout", payload: body as object });
    return {
      status: r.statusCode,
      body: r.json() as { error: { code: string; details: { field: string; message: string }[] } },
    };
  };
  const detailsOf = async (body: unknown) => {
    const r = await post(body);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error.code, "INVALID_REQUEST");
    return new Map(r.body.error.details.map((d) => [d.field, d.message]));
  };

  it("a one-digit CVV, an empty ZIP and quantity 0 are all named in one answer", async () => {
    const body = valid();
    body.creditCard.cvv = "1";
    body.billingAddress.zip = "";
    body.items[0] = { id: "dune", quantity: 0 };
    const details = await detailsOf(body);
    assert.equal(details.get("creditCard.cvv"), "creditCard.cvv must be 3 or 4 digits");
    assert.equal(details.get("billingAddress.zip"), "billingAddress.zip must not be empty");
    assert.equal(details.get("items[0].quantity"), "items[0].quantity must be at least 1");
    assert.equal(details.size, 3, [...details.keys()].join(", "));
    assert.equal(flowCalls, 0);
  });

  it("a 60 KB contact built to make the pattern backtrack is refused at once", async () => {
    const t0 = Date.now();
    const details = await detailsOf({
      ...valid(),
      user: { name: "Ada", contact: `a@${"a.".repeat(30_000)} !` },
    });
    assert.ok(details.has("user.contact"));
    // The quadratic form of the pattern took ~3 s here; the linear one a few milliseconds.
    assert.ok(Date.now() - t0 < 1000, `answered in ${Date.now() - t0} ms`);
  });

  it("blank names, malformed card number, expiry and contact, no items, too many of a book", async () => {
    const details = await detailsOf({
      ...valid(),
      user: { name: "   ", contact: "not a contact" },
      creditCard: { number: "4111-abcd", expirationDate: "13/30", cvv: "12a" },
      items: [],
    });
    assert.deepEqual([...details.keys()].sort(), [
      "creditCard.cvv",
      "creditCard.expirationDate",
      "creditCard.number",
      "items",
      "user.contact",
      "user.name",
    ]);
    assert.match(details.get("items") ?? "", /at least one book/);
    assert.match(details.get("creditCard.number") ?? "", /12 to 19 digits/);
    const many = await detailsOf({ ...valid(), items: [{ id: "dune", quantity: 101 }] });
    assert.equal(many.get("items[0].quantity"), "items[0].quantity must be at most 100");
    assert.equal(flowCalls, 0);
  });

  it("formats people type are accepted: spaced card numbers, MM/YYYY, a phone number", async () => {
    const body = { ...valid(), user: { name: "Ada", contact: "+372 5555 1234" } };
    body.creditCard = { number: "4111-1111-1111-1111", expirationDate: "12/2030", cvv: "1234" };
    const r = await post(body);
    // Past the edge, the (deliberately failing) flow is asked: the shape was accepted.
    assert.equal(r.status, 500);
    assert.equal(flowCalls, 1);
  });
  it("the quantity limit is transaction-verification's MAX_ITEM_QUANTITY when it is set", async () => {
    const limited = await buildApp({
      catalog: loadCatalog(),
      flow: {
        run: async () => {
          throw new Error("stop after the shape rules");
        },
      },
      health: async () => ({}),
      fingerprintKey: "test-fingerprint-key-0123",
      maxItemQuantity: 500,
      logger: createLogger({ service: "test", level: "silent" }),
    });
    try {
      const post = (quantity: number) =>
        limited.inject({
          method: "POST",
          url: "/api/checkout",
          payload: { ...valid(), items: [{ id: "dune", quantity }] },
        });
      const accepted = await post(500);
      assert.notEqual(accepted.statusCode, 400, "500 passes the edge; TV judges it");
      const refused = await post(501);
      assert.equal(refused.statusCode, 400);
      assert.match(refused.body, /items\[0\]\.quantity must be at most 500/);
    } finally {
      await limited.close();
    }
  });
});
