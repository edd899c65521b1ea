// The newest orders with their two-phase-commit transaction: phase, votes, decision, outcome.
import { html } from "lit";
import { formatCents } from "../shared/money.js";

export interface Transaction {
  orderId: string;
  status: string;
  reasonCode: string;
  shippingMethod: string;
  totalCents: number;
  submittedAt: string;
  transactionId: string;
  phase: string;
  decision: string;
  votes: { participant: string; yes: boolean; code: string }[];
}

const time = (iso: string) => (iso ? new Date(iso).toLocaleTimeString() : "");

export function transactionsView(list: Transaction[] | undefined, show: (orderId: string) => void) {
  return html`<section class="panel" aria-labelledby="tx-heading">
    <h2 id="tx-heading">Recent two-phase commits</h2>
    ${
      !list
        ? html`<p aria-busy="true">Reading…</p>`
        : list.length === 0
          ? html`<p>No orders yet.</p>`
          : html`<div class="table-scroll"><table class="transactions" data-cy="transactions">
            <thead><tr><th scope="col">Order</th><th scope="col">Submitted</th><th scope="col">Shipping</th><th scope="col">Total</th><th scope="col">Phase</th><th scope="col">Votes</th><th scope="col">Decision</th><th scope="col">Status</th></tr></thead>
            <tbody>${list.map(
              (t) => html`<tr data-cy="transaction" data-order=${t.orderId}>
                <th scope="row"><button type="button" class="link" @click=${() => show(t.orderId)} title="Show the timeline of order ${t.orderId}">${t.orderId.slice(0, 8)}</button></th>
                <td>${time(t.submittedAt)}</td>
                <td>${t.shippingMethod}</td>
                <td>${formatCents(t.totalCents)}</td>
                <td>${t.phase || "queued"}</td>
                <td>${t.votes.map((v) => html`<span class="vote ${v.yes ? "yes" : "no"}">${v.participant} ${v.yes ? "yes" : `no ${v.code}`}</span> `)}</td>
                <td>${t.decision || "—"}</td>
                <td class="status ${t.status.toLowerCase()}">${t.status}${t.reasonCode ? ` (${t.reasonCode})` : ""}</td>
              </tr>`,
            )}</tbody>
          </table></div>`
    }
  </section>`;
}
