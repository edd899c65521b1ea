// The cluster as an operator reads it: one row per member, then what the leader knows of each.
import type { MemberStatus } from "./cluster-admin.js";

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function formatStatus(cluster: string, members: MemberStatus[]): string {
  const rows = [["ID", "ADDRESS", "ROLE", "TERM", "LEADER", "COMMIT", "APPLIED"]];
  for (const m of members) {
    if (!m.online) {
      rows.push(["?", m.address, `offline (${m.error})`, "", "", "", ""]);
      continue;
    }
    const s = m.status;
    rows.push([
      s.id,
      m.address,
      s.role,
      String(s.term),
      s.leaderId || "-",
      String(s.commitIndex),
      String(s.appliedIndex),
    ]);
  }
  const leader = members.find((m) => m.online && m.status.role === "leader");
  const out = [
    `${cluster}: ${members.filter((m) => m.online).length} of ${members.length} members answering`,
    table(rows),
  ];
  if (!leader?.online)
    return [...out, "no leader: the cluster cannot commit (is a majority of voters up?)"].join("\n");
  const voters = leader.status.peers.filter((p) => !p.learner);
  const behind = (match: number) => Math.max(0, leader.status.commitIndex - match);
  const membership = [["MEMBER", "ADDRESS", "KIND", "MATCH", "BEHIND"]];
  for (const p of leader.status.peers)
    membership.push([
      p.id,
      p.address,
      p.learner ? "learner" : "voter",
      String(p.matchIndex),
      String(behind(p.matchIndex)),
    ]);
  const quorum = Math.floor(voters.length / 2) + 1;
  return [
    ...out,
    "",
    `membership (leader ${leader.status.id}, term ${leader.status.term}): ${voters.length} voters, a majority is ${quorum}, ${voters.length - quorum} may fail`,
    table(membership),
  ].join("\n");
}
