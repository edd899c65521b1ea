// Both Raft clusters, node by node (role, term, commit and applied index, leader, health), and the
// order queue as the executor leader sees it.
import { html } from "lit";
import type { ClusterNode } from "../../../services/orchestrator/src/routes/ops-shapes.js";

export interface Clusters {
  at: string;
  database: { nodes: ClusterNode[] };
  executors: { nodes: ClusterNode[] };
  queue: { queued: number; executing: number; paused: boolean; byShipping: Record<string, number> } | null;
}

function leaderOf(nodes: ClusterNode[]): ClusterNode | undefined {
  return nodes.find((n) => n.health === "online" && n.leader);
}

function clusterTable(title: string, cy: string, nodes: ClusterNode[]) {
  const leader = leaderOf(nodes);
  return html`<section class="panel" aria-labelledby="${cy}-heading">
    <h2 id="${cy}-heading">${title}</h2>
    <p class="leader" data-cy="${cy}-leader" data-leader=${leader?.id ?? ""}>
      ${leader ? html`Leader <strong>${leader.id}</strong>, term ${leader.term}` : html`<strong class="bad">No leader</strong>`}
    </p>
    <div class="table-scroll"><table class="nodes">
      <thead><tr><th scope="col">Node</th><th scope="col">Role</th><th scope="col">Term</th><th scope="col">Commit</th><th scope="col">Applied</th><th scope="col">Leader</th><th scope="col">Health</th></tr></thead>
      <tbody>
        ${nodes.map(
          (n) => html`<tr class=${n.health} data-cy="${cy}-node" data-node=${n.address}>
            <th scope="row">${n.id || "?"}<div class="address">${n.address}</div></th>
            <td class="role ${n.leader ? "is-leader" : ""}">${n.health === "online" ? n.role : "—"}</td>
            <td>${n.health === "online" ? n.term : "—"}</td>
            <td>${n.health === "online" ? n.commitIndex : "—"}</td>
            <td>${n.health === "online" ? n.appliedIndex : "—"}</td>
            <td>${n.health === "online" ? n.leaderId || "none" : "—"}</td>
            <td><span class="health ${n.health}" title=${n.error ?? ""}>${n.health}</span></td>
          </tr>`,
        )}
      </tbody>
    </table></div>
  </section>`;
}

export function clustersView(c: Clusters | undefined) {
  if (!c) return html`<p aria-busy="true">Reading the clusters…</p>`;
  const q = c.queue;
  return html`<div class="grid2">
      ${clusterTable("Stock database (db-node)", "db", c.database.nodes)}
      ${clusterTable("Order executors", "executors", c.executors.nodes)}
    </div>
    <section class="panel" aria-labelledby="queue-heading">
      <h2 id="queue-heading">Order queue</h2>
      ${
        q
          ? html`<dl class="queue" data-cy="queue">
            ${["Overnight", "Express", "Standard"].map((m) => html`<div><dt>${m}</dt><dd>${q.byShipping[m] ?? 0}</dd></div>`)}
            <div><dt>In flight</dt><dd data-cy="executing">${q.executing}</dd></div>
            ${q.paused ? html`<div><dt>State</dt><dd class="bad">paused</dd></div>` : ""}
          </dl>`
          : html`<p>No executor leader to ask.</p>`
      }
    </section>`;
}
