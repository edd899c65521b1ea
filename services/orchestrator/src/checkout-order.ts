import { createHash, randomUUID } from "node:crypto";
import type { Catalog } from "@bookstore/catalog";
import { resolveCountry } from "@bookstore/countries";
import { cardSafeId, quote } from "@bookstore/kit";
import type { InitializeFraudRequest, InitializeVerificationRequest, OrderLine } from "@bookstore/proto";
import { summarizeCard } from "./card-summary.js";
import type { CheckoutBody } from "./checkout-body.js";

export interface Problem {
  field: string;
  message: string;
}

/** An accepted checkout request, priced from the catalog, ready for the validation services. */
export interface CheckoutOrder {
  orderId: string;
  lines: OrderLine[];
  totalCents: number;
  customerId: string;
  verification: Omit<InitializeVerificationRequest, "vectorClock">;
  fraud: Omit<InitializeFraudRequest, "vectorClock">;
}

/** Stable customer id: a hash of the normalised contact, so no e-mail travels as an id. */
export function customerIdOf(contact: string): string {
  // Attempt 0 is the id earlier versions used; another only when that one looks like a card number.
  return cardSafeId((attempt) =>
    createHash("sha256")
      .update(contact.trim().toLowerCase())
      .update(attempt === 0 ? "" : `\n${attempt}`)
      .digest("hex")
      .slice(0, 24),
  );
}

/**
 * Builds the order from a schema-valid body: books resolved by id or title, prices from the
 * catalog (never the client), terms checked. Every problem is returned, not only the first.
 */
export function buildCheckoutOrder(
  body: CheckoutBody,
  context: { catalog: Catalog; fingerprintKey: string; clientIp: string; orderId?: string },
): { order: CheckoutOrder } | { problems: Problem[]; termsOnly: boolean } {
  const problems: Problem[] = [];
  if (!body.termsAndConditionsAccepted) {
    problems.push({
      field: "termsAndConditionsAccepted",
      message: "the terms and conditions must be accepted",
    });
  }
  const lines: OrderLine[] = [];
  body.items.forEach((item, i) => {
    const book = context.catalog.resolve(item);
    if (!book) {
      const ref = item.id ? `id ${quote(item.id)}` : `title ${quote(item.name ?? "")}`;
      problems.push({ field: `items[${i}]`, message: `no book with ${ref} in the catalog` });
      return;
    }
    lines.push({
      bookId: book.id,
      title: book.title,
      quantity: item.quantity,
      unitPriceCents: book.priceCents,
    });
  });
  if (problems.length > 0) {
    return { problems, termsOnly: problems.every((p) => p.field === "termsAndConditionsAccepted") };
  }
  const orderId = context.orderId ?? cardSafeId(() => randomUUID());
  const contact = body.user.contact.trim();
  const customerId = customerIdOf(contact);
  const card = summarizeCard(body.creditCard.number, context.fingerprintKey);
  const isEmail = contact.includes("@");
  return {
    order: {
      orderId,
      lines,
      totalCents: lines.reduce((sum, l) => sum + l.unitPriceCents * Math.max(0, l.quantity), 0),
      customerId,
      verification: {
        orderId,
        user: { name: body.user.name, contact },
        card: { ...body.creditCard },
        lines,
        billingAddress: { state: "", ...body.billingAddress },
      },
      fraud: {
        orderId,
        user: { name: body.user.name, contact: isEmail ? contact.toLowerCase() : contact },
        card,
        lines,
        billingCountry: resolveCountry(body.billingAddress.country) ?? "",
        clientIp: context.clientIp,
      },
    },
  };
}
