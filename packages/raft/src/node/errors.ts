// Errors a caller of RaftNode can act on; each has a code and, for NOT_LEADER, where to go instead.

export type RaftErrorCode =
  | "NOT_LEADER"
  | "LEADERSHIP_LOST"
  | "DROPPED"
  | "TIMEOUT"
  | "CONF_CHANGE_PENDING"
  | "TRANSFERRING"
  | "STOPPED";

export class RaftError extends Error {
  override name = "RaftError";
  constructor(
    readonly code: RaftErrorCode,
    message: string,
    /** For NOT_LEADER: the leader this node knows of ("" if none), and its address. */
    readonly leaderId = "",
    readonly leaderAddress = "",
  ) {
    super(message);
  }

  /** True when the command may or may not have been applied (retry only if it is idempotent). */
  get outcomeUnknown(): boolean {
    return this.code === "LEADERSHIP_LOST" || this.code === "TIMEOUT" || this.code === "STOPPED";
  }
}
