// The shapes of the dashboard's API answers, shared with the browser code (web/src/ops): types only,
// no imports, so the page's compiler needs nothing of the server's.

/** One Raft node as the dashboard draws it, whichever cluster it belongs to. */
export interface ClusterNode {
  id: string;
  address: string;
  health: "online" | "offline";
  role: string;
  leader: boolean;
  term: number;
  leaderId: string;
  commitIndex: number;
  appliedIndex: number;
  error?: string;
}
