// An order's vector-clock timeline: pick an order (or click one in the table), see its space-time
// diagram with a lane per service and the clocks at each event.
import { html } from "lit";
import { spaceTime, type TwoPhaseCommit, type ValidationEvent } from "./space-time.js";
import { spaceTimeView } from "./space-time-view.js";

export interface OrderTimeline {
  orderId: string;
  status?: string;
  events?: ValidationEvent[];
  transaction?: TwoPhaseCommit;
}

export function timelineView(orderId: string, order: OrderTimeline | undefined, show: (id: string) => void) {
  return html`<section class="panel" aria-labelledby="timeline-heading">
    <h2 id="timeline-heading">Order timeline</h2>
    <form class="inline" @submit=${(e: Event) => {
      e.preventDefault();
      show(String(new FormData(e.target as HTMLFormElement).get("order-id") ?? ""));
    }}>
      <label for="order-id">Order id</label>
      <input id="order-id" name="order-id" data-cy="order-id-input" .value=${orderId} autocomplete="off" maxlength="128" />
      <button type="submit">Show</button>
    </form>
    ${
      order
        ? html`<p>Order <code>${order.orderId}</code>: ${order.status ?? "unknown"}.
            ${order.events ? "" : "Its validation ran on another orchestrator (or before a restart): only the execution is known."}</p>
          ${spaceTimeView(spaceTime(order.events ?? [], order.transaction))}
          <p class="legend">Dots are events with their vector clock (O orchestrator, TV transaction verification,
            FD fraud detection, S suggestions); events in one column are not ordered by their clocks
            (they ran concurrently). Solid arrows are calls, dashed ones answers; red ones failed or were cancelled.</p>`
        : orderId
          ? html`<p aria-busy="true">Loading…</p>`
          : html`<p>Choose an order in the table above, or enter its id.</p>`
    }
  </section>`;
}
