// Why an order failed, as a code a program can switch on and words a shopper can read. The words
// name what is known: the book that ran out, the participant that did not answer.
import type { Participant, Vote } from "./two-phase-commit/transaction.js";

export type ReasonCode =
  | "OUT_OF_STOCK"
  | "PAYMENT_DECLINED"
  | "INSUFFICIENT_FUNDS"
  | "PAYMENT_REJECTED"
  | "PARTICIPANT_UNAVAILABLE"
  | "COORDINATOR_FAILOVER";

export interface Reason {
  code: ReasonCode;
  message: string;
}

const NAMES: Record<Participant, string> = { stock: "the stock database", payment: "the payment service" };

/** A participant's "no": its own reason code, turned into the order's. */
export function reasonOfVote(vote: Vote, titleOf: (stockKey: string) => string | undefined): Reason {
  switch (vote.code) {
    case "INSUFFICIENT_STOCK":
    case "NO_SUCH_KEY": {
      const title = vote.key ? titleOf(vote.key) : undefined;
      if (!title) return { code: "OUT_OF_STOCK", message: vote.message || "a book is out of stock" };
      const left = vote.available === undefined ? "" : ` (${vote.available} left)`;
      return { code: "OUT_OF_STOCK", message: `${title} is out of stock${left}` };
    }
    case "DECLINED":
      return { code: "PAYMENT_DECLINED", message: "the card was declined by the bank" };
    case "INSUFFICIENT_FUNDS":
      return { code: "INSUFFICIENT_FUNDS", message: "the card was declined: insufficient funds" };
    case "UNAVAILABLE":
      return unavailable(vote.participant, vote.message);
    default:
      return vote.participant === "stock"
        ? { code: "OUT_OF_STOCK", message: vote.message || "the stock could not be reserved" }
        : { code: "PAYMENT_REJECTED", message: vote.message || "the payment was refused" };
  }
}

export function unavailable(participant: Participant, detail?: string): Reason {
  return {
    code: "PARTICIPANT_UNAVAILABLE",
    message: `${NAMES[participant]} did not answer in time${detail ? ` (${detail})` : ""}; nothing was charged`,
  };
}

export const FAILOVER: Reason = {
  code: "COORDINATOR_FAILOVER",
  message: "the order executor that started this order failed before deciding; nothing was charged",
};
