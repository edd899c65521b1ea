// An order's state in words for the shopper: the steps so far, and why it failed when it did.

export type OrderStatus = "PENDING" | "EXECUTING" | "COMPLETED" | "FAILED";

export const STEPS: readonly { status: OrderStatus; label: string }[] = [
  { status: "PENDING", label: "Order received" },
  { status: "EXECUTING", label: "Reserving books and charging the card" },
  { status: "COMPLETED", label: "Paid and on its way" },
];

/** The words for a failure: what happened, then what the shopper can do. */
export function failureText(reasonCode: string | undefined, reason: string | undefined): string {
  const detail = reason ? sentence(reason) : "";
  switch (reasonCode) {
    case "OUT_OF_STOCK":
      return `${detail || "A book in your order is out of stock."} Nothing was charged.`;
    case "PAYMENT_DECLINED":
      return "Your card was declined by the bank. Nothing was charged; try another card.";
    case "INSUFFICIENT_FUNDS":
      return "Your card was declined for insufficient funds. Nothing was charged; try another card.";
    case "PAYMENT_REJECTED":
      return `The payment was refused${reason ? `: ${reason}` : ""}. Nothing was charged.`;
    case "PARTICIPANT_UNAVAILABLE":
    case "COORDINATOR_FAILOVER":
      return `${detail} Please place the order again.`.trim();
    default:
      return detail || "The order could not be completed.";
  }
}

/** "the card was declined" → "The card was declined." */
function sentence(text: string): string {
  const t = text.trim().replace(/^Order rejected:\s*/, "");
  const capital = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

export function isFinished(status: string): boolean {
  return status === "COMPLETED" || status === "FAILED";
}
