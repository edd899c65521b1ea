import {
  clearOrder,
  clearOrders,
  eventResult,
  implement,
  initializeOrder,
  recordEvent,
  type ServiceRegistration,
  type UnaryHandlers,
} from "@bookstore/kit";
import {
  type Address,
  type Card,
  type OrderLine,
  TransactionVerificationServiceService,
  type User,
} from "@bookstore/proto";
import { OrderStateStore } from "@bookstore/vector-clock";
import { checkBillingAddress, checkCard, checkItems, checkUser } from "./rules/index.js";

/** What InitializeOrder leaves for the events of one order. Kept in memory only, never logged. */
export interface VerificationOrder {
  user: User;
  card: Card;
  lines: OrderLine[];
  billingAddress: Address;
}

export interface VerificationOptions {
  store: OrderStateStore<VerificationOrder>;
  maxItemQuantity: number;
  now?: () => Date;
}

export const PROCESS = "transaction-verification";

export function createVerificationStore(ttlMs: number): OrderStateStore<VerificationOrder> {
  return new OrderStateStore<VerificationOrder>(PROCESS, ttlMs);
}

const emptyAddress: Address = { street: "", city: "", state: "", zip: "", country: "" };

export type VerificationHandlers = UnaryHandlers<typeof TransactionVerificationServiceService>;

/** Events a (items), b (user + billing) and c (card) of the checkout graph. */
export function verificationHandlers(options: VerificationOptions): VerificationHandlers {
  const { store, maxItemQuantity } = options;
  const now = options.now ?? (() => new Date());
  return {
    initializeOrder: (req) =>
      initializeOrder(
        store,
        req.orderId,
        {
          user: req.user ?? { name: "", contact: "" },
          card: req.card ?? { number: "", expirationDate: "", cvv: "" },
          lines: req.lines,
          billingAddress: req.billingAddress ?? emptyAddress,
        },
        req.vectorClock,
      ),
    checkItems: (req) => {
      const { data, clock } = recordEvent(store, req);
      const lines = data.lines.map((l) => ({ bookId: l.bookId, title: l.title, quantity: l.quantity }));
      return eventResult(checkItems(lines, maxItemQuantity), clock);
    },
    checkUser: (req) => {
      const { data, clock } = recordEvent(store, req);
      return eventResult(
        [...checkUser(data.user), ...checkBillingAddress(data.billingAddress).violations],
        clock,
      );
    },
    checkCard: (req) => {
      const { data, clock } = recordEvent(store, req);
      return eventResult(checkCard(data.card, now()).violations, clock);
    },
    clearOrder: (req) => clearOrder(store, req),
    clearOrders: (req) => clearOrders(store, req),
  };
}

export function transactionVerificationService(
  options: VerificationOptions,
  handlers: VerificationHandlers = verificationHandlers(options),
): ServiceRegistration {
  return {
    name: "bookstore.v1.TransactionVerificationService",
    definition: TransactionVerificationServiceService,
    implementation: implement(TransactionVerificationServiceService, handlers),
  };
}
