// Orders for the executor's pure tests.
import type { OrderPayload } from "../src/order-state-machine.js";
import type { ShippingMethod } from "../src/priority.js";

export function order(
  id: string,
  shipping: ShippingMethod = "Standard",
  totalCents = 1000,
  bookId = "dune",
): OrderPayload {
  return {
    orderId: id,
    customerId: `c-${id}`,
    lines: [{ bookId, title: "Dune", quantity: 1, unitPriceCents: totalCents }],
    totalCents,
    shippingMethod: shipping,
    payment: { method: "credit_card", token: `tok-${id}`, brand: "visa", last4: "1111" },
  };
}
