// The storefront's pure parts: the cart, the checkout form's own checks (the server's rules), the
// shopper's words for a failed order, "latest wins" for searches, and the routes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  addToCart,
  cartCount,
  cartTotalCents,
  DEFAULT_MAX_QUANTITY,
  parseCart,
  setQuantity,
} from "../../web/src/store/cart.js";
import { type CheckoutForm, checkCheckoutForm, checkoutBody } from "../../web/src/store/checkout-rules.js";
import { LatestRequest } from "../../web/src/store/latest-request.js";
import { failureText } from "../../web/src/store/order-status.js";
import { routeOf } from "../../web/src/store/routes.js";

describe("cart", () => {
  it("adds, merges lines, clamps quantities and removes at 0", () => {
    let cart = addToCart([], "dune");
    cart = addToCart(cart, "the-hobbit", 2);
    cart = addToCart(cart, "dune", 3);
    assert.deepEqual(cart, [
      { bookId: "dune", quantity: 4 },
      { bookId: "the-hobbit", quantity: 2 },
    ]);
    assert.equal(cartCount(cart), 6);
    assert.equal(setQuantity(cart, "dune", 10_000)[0]?.quantity, DEFAULT_MAX_QUANTITY);
    assert.deepEqual(setQuantity(cart, "dune", 0), [{ bookId: "the-hobbit", quantity: 2 }]);
  });
  it("keeps to the server's own limit on a line when the page gives one", () => {
    assert.equal(setQuantity([{ bookId: "dune", quantity: 1 }], "dune", 10, 5)[0]?.quantity, 5);
    assert.equal(addToCart([{ bookId: "dune", quantity: 4 }], "dune", 3, 5)[0]?.quantity, 5);
    assert.equal(addToCart([], "dune", 500, 250)[0]?.quantity, 250, "above the default when allowed");
    // A cart kept from before the limit was lowered.
    assert.deepEqual(parseCart('[{"bookId":"dune","quantity":40}]', 12), [{ bookId: "dune", quantity: 12 }]);
  });
  it("totals only from known server prices", () => {
    const cart = [
      { bookId: "a", quantity: 2 },
      { bookId: "b", quantity: 1 },
    ];
    assert.equal(cartTotalCents(cart, new Map([["a", 999]])), undefined);
    assert.equal(
      cartTotalCents(
        cart,
        new Map([
          ["a", 999],
          ["b", 1250],
        ]),
      ),
      3248,
    );
  });
  it("reads a stored cart defensively", () => {
    assert.deepEqual(
      parseCart(
        '[{"bookId":"a","quantity":2},{"bookId":"a","quantity":1},{"bookId":"","quantity":1},{"bookId":"b","quantity":0},{"bookId":"c","quantity":"x"},null]',
      ),
      [{ bookId: "a", quantity: 2 }],
    );
    assert.deepEqual(parseCart("not json"), []);
    assert.deepEqual(parseCart(null), []);
  });
});

const form = (change: Partial<CheckoutForm> = {}): CheckoutForm => ({
  name: "Ada Lovelace",
  contact: "ada@example.com",
  cardNumber: "4111 1111 1111 1111",
  expiry: "12/30",
  cvv: "123",
  street: "1 Main St",
  city: "Springfield",
  state: "IL",
  zip: "62701",
  country: "USA",
  shippingMethod: "Standard",
  comment: "",
  giftWrapping: false,
  terms: true,
  ...change,
});
const now = new Date("2026-12-01T12:00:00Z");

describe("checkout form checks", () => {
  it("a complete form with a test card passes", () => {
    assert.deepEqual(checkCheckoutForm(form(), now), {});
    assert.deepEqual(checkCheckoutForm(form({ cardNumber: "378282246310005", cvv: "1234" }), now), {});
  });
  it("Luhn, expiry, CVV length per brand and required fields, each at its field", () => {
    const errors = checkCheckoutForm(
      form({ cardNumber: "4111111111111112", expiry: "11/26", cvv: "12", zip: " ", name: "", terms: false }),
      now,
    );
    assert.deepEqual(Object.keys(errors).sort(), [
      "billingAddress.zip",
      "creditCard.cvv",
      "creditCard.expirationDate",
      "creditCard.number",
      "termsAndConditionsAccepted",
      "user.name",
    ]);
    assert.match(errors["creditCard.number"] ?? "", /not valid/);
    assert.match(errors["creditCard.expirationDate"] ?? "", /expired/);
    assert.equal(
      checkCheckoutForm(form({ cardNumber: "378282246310005", cvv: "123" }), now)["creditCard.cvv"],
      "The security code has 4 digits.",
    );
    assert.ok(checkCheckoutForm(form({ cardNumber: "0000000000000000" }), now)["creditCard.number"]);
    assert.ok(checkCheckoutForm(form({ contact: "nobody" }), now)["user.contact"]);
    assert.ok(checkCheckoutForm(form({ expiry: "13/30" }), now)["creditCard.expirationDate"]);
  });
  it("the body has the seed's fields, books by id, no prices", () => {
    const body = checkoutBody(form({ comment: " fragile ", giftWrapping: true }), [
      { bookId: "dune", quantity: 2 },
    ]);
    assert.deepEqual(body.items, [{ id: "dune", quantity: 2 }]);
    assert.equal(body.userComment, "fragile");
    assert.equal(body.giftWrapping, true);
    assert.equal(body.termsAndConditionsAccepted, true);
    assert.ok(!JSON.stringify(body).includes("price"));
  });
});

describe("order failures in words", () => {
  it("names the book, the card problem, and that nothing was charged", () => {
    assert.equal(
      failureText("OUT_OF_STOCK", "The Iliad is out of stock (5 left)"),
      "The Iliad is out of stock (5 left). Nothing was charged.",
    );
    assert.match(
      failureText("PAYMENT_DECLINED", "the card was declined by the bank"),
      /declined by the bank\. Nothing was charged/,
    );
    assert.match(
      failureText(undefined, "Order rejected: fraud risk 0.91 is too high"),
      /^Fraud risk 0\.91 is too high\.$/,
    );
  });
});

describe("latest request wins", () => {
  it("debounces, aborts the outdated request, and delivers only the newest", async (t) => {
    // Mocked timers: the order of events is exact, whatever the machine's load.
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const latest = new LatestRequest();
    const started: string[] = [];
    const aborted: string[] = [];
    const delivered: string[] = [];
    const fail = (e: unknown) => assert.fail(String(e));
    const request = (q: string) => (signal: AbortSignal) => {
      started.push(q);
      signal.addEventListener("abort", () => aborted.push(q));
      return new Promise<string>((resolve) => setTimeout(() => resolve(q), 30));
    };
    latest.run(20, request("w"), (v) => delivered.push(v), fail);
    latest.run(20, request("wi"), (v) => delivered.push(v), fail);
    t.mock.timers.tick(25); // "wi" starts at 20 ms and would answer at 50
    latest.run(20, request("wiz"), (v) => delivered.push(v), fail);
    t.mock.timers.tick(20); // "wiz" starts at 45 ms
    t.mock.timers.tick(30); // both have answered by 75 ms
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, ["wi", "wiz"], "w never started: typing went on within the delay");
    assert.deepEqual(aborted, ["wi"]);
    assert.deepEqual(delivered, ["wiz"]);
  });
});

describe("storefront routes", () => {
  it("maps paths to pages", () => {
    assert.deepEqual(routeOf("/"), { page: "catalog" });
    assert.deepEqual(routeOf("/book/the-hobbit"), { page: "book", id: "the-hobbit" });
    assert.deepEqual(routeOf("/cart/"), { page: "cart" });
    assert.deepEqual(routeOf("/cart/checkout"), { page: "checkout" });
    assert.deepEqual(routeOf("/order/3f2c-1"), { page: "order", id: "3f2c-1" });
    assert.deepEqual(routeOf("/book/a/b"), { page: "not-found" });
  });
});
