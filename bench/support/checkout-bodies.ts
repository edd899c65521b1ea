// Checkout load for the benchmarks: a distinct customer, card and address per order, and random
// carts, so fraud velocity rules see ordinary traffic and suggestions see varied carts.
import { randomInt } from "node:crypto";
import { loadCatalog } from "@bookstore/catalog";
import autocannon from "autocannon";

function luhnComplete(payload: string): string {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    let d = Number(payload[payload.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return payload + String((10 - (sum % 10)) % 10);
}

const titles = loadCatalog().books.map((b) => b.title);

/** 1-3 distinct random books: carts vary as in a real store (suggestions memoise per cart). */
function randomCart(): { name: string; quantity: number }[] {
  const picked = new Set<string>();
  const size = randomInt(1, 4);
  while (picked.size < size) picked.add(titles[randomInt(titles.length)] as string);
  return [...picked].map((name) => ({ name, quantity: randomInt(1, 3) }));
}

/** A distinct customer, card and address per order, so velocity rules see ordinary traffic. */
export function orderBody(): string {
  const card = luhnComplete(`4${String(randomInt(10 ** 13, 10 ** 14)).padStart(14, "0")}`);
  const n = randomInt(1e9);
  return JSON.stringify({
    user: { name: "Bench Customer", contact: `customer${n}@example.com` },
    creditCard: { number: card, expirationDate: "12/30", cvv: "123" },
    items: randomCart(),
    billingAddress: { street: "1 Main St", city: "Springfield", state: "IL", zip: "62701", country: "USA" },
    shippingMethod: "Standard",
    termsAndConditionsAccepted: true,
  });
}

export function randomIp(): string {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
}

/**
 * POST /checkout from `clients` connections for `seconds` (after `warmup` seconds unmeasured, for
 * connections and JIT), each request a new order; successful checkouts per second and latency.
 */
export async function checkoutLoad(url: string, clients: number, seconds: number, warmup = 2) {
  const run = (duration: number) =>
    autocannon({
      url: `${url}/checkout`,
      connections: clients,
      duration,
      requests: [
        {
          method: "POST",
          setupRequest: (req) => ({
            ...req,
            headers: { "content-type": "application/json", "x-forwarded-for": randomIp() },
            body: orderBody(),
          }),
        },
      ],
    });
  if (warmup > 0) await run(warmup);
  const result = await run(seconds);
  return {
    clients,
    ops_per_s: Math.round(result["2xx"] / (result.duration || seconds)),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
  };
}
