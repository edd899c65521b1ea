import type { BookSummary, OrderLine } from "@bookstore/proto";
import type { EventTrace } from "./checkout-flow.js";

export type OrderStatus = "PENDING" | "EXECUTING" | "COMPLETED" | "FAILED";

export interface OrderRecord {
  orderId: string;
  status: OrderStatus;
  createdAt: string;
  customerId: string;
  lines: OrderLine[];
  totalCents: number;
  suggestedBooks: BookSummary[];
  /** Set when FAILED. */
  reason?: string;
  /** The validation events with the vector clocks sent and received. */
  events: EventTrace[];
}

/**
 * What this orchestrator saw of the orders it validated (events, clocks, suggestions), oldest
 * forgotten first when full. An approved order's execution state lives in the executor cluster;
 * the status here is what it was when the checkout answered.
 */
export class OrderBook {
  private readonly orders = new Map<string, OrderRecord>();

  constructor(private readonly capacity: number) {}

  add(order: OrderRecord): void {
    this.orders.set(order.orderId, order);
    if (this.orders.size > this.capacity) {
      const oldest = this.orders.keys().next().value;
      if (oldest !== undefined) this.orders.delete(oldest);
    }
  }

  get(orderId: string): OrderRecord | undefined {
    return this.orders.get(orderId);
  }

  get size(): number {
    return this.orders.size;
  }
}
