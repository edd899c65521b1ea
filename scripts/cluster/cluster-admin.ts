// The operator's side of a Raft cluster's RaftService: status of every member (including members
// found through the leader), membership changes and leadership transfer sent to the leader
// (following its hints, retrying while an election or another change is under way), backups.
import { callUnary, clientFor } from "@bookstore/kit";
import { type MembershipResponse, RaftServiceClient, type RaftStatusResponse } from "@bookstore/proto";
import { successorOf } from "@bookstore/raft";

export type MemberStatus =
  | { address: string; online: true; status: RaftStatusResponse }
  | { address: string; online: false; error: string };

const client = (address: string) => clientFor(RaftServiceClient, address);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Refusals that another attempt may get past: no leader yet, a change or transfer in progress. */
const transient =
  /not the leader|CONF_CHANGE_PENDING|one membership change|TRANSFERRING|leadership|timed out|superseded/i;

export class ClusterAdmin {
  constructor(
    private readonly nodes: string[],
    private readonly token: string,
    private readonly timeoutMs: number,
  ) {}

  async status(address: string): Promise<MemberStatus> {
    try {
      const c = client(address);
      const status = await callUnary(c, c.status, {}, { deadlineMs: 1000, idempotent: true });
      return { address, online: true, status };
    } catch (error) {
      return { address, online: false, error: (error as { details?: string }).details ?? String(error) };
    }
  }

  /** Every member given, and every member the answering nodes know of. */
  async statusAll(): Promise<MemberStatus[]> {
    const seen = new Set(this.nodes);
    const all = await Promise.all(this.nodes.map((a) => this.status(a)));
    const discovered = all
      .flatMap((m) => (m.online ? m.status.peers.map((p) => p.address) : []))
      .filter((a) => a !== "" && !seen.has(a));
    for (const a of new Set(discovered)) all.push(await this.status(a));
    return all;
  }

  /**
   * Asks every member again (every 200 ms) until `pick` finds what it needs in their answers, or
   * the timeout passes: a loaded machine may miss one status deadline, an election takes a while.
   */
  private async poll<T>(pick: (members: MemberStatus[]) => T | undefined, failure: string): Promise<T> {
    const end = Date.now() + this.timeoutMs;
    for (;;) {
      const found = pick(await this.statusAll());
      if (found !== undefined) return found;
      if (Date.now() > end) throw new Error(failure);
      await sleep(200);
    }
  }

  /** The members that answer, once at least one does. */
  online(): Promise<Extract<MemberStatus, { online: true }>[]> {
    return this.poll(
      (all) => {
        const up = all.flatMap((m) => (m.online ? [m] : []));
        return up.length > 0 ? up : undefined;
      },
      `no member of ${this.nodes.join(", ")} answers`,
    );
  }

  /** The member leading now with the highest term; waits for an election up to the timeout. */
  leader(): Promise<{ address: string; status: RaftStatusResponse }> {
    return this.poll(
      (all) =>
        all
          .flatMap((m) =>
            m.online && m.status.role === "leader" ? [{ address: m.address, status: m.status }] : [],
          )
          .sort((a, b) => b.status.term - a.status.term)[0],
      `no leader among ${this.nodes.join(", ")}`,
    );
  }

  /** Sends a membership change to the leader until it is accepted or the timeout passes. */
  private async change(
    what: string,
    send: (c: RaftServiceClient, deadlineMs: number) => Promise<MembershipResponse>,
  ): Promise<void> {
    const end = Date.now() + this.timeoutMs;
    for (;;) {
      const { address } = await this.leader();
      const r = await send(client(address), Math.max(1000, end - Date.now()));
      if (r.success) return;
      if (!transient.test(r.message) || Date.now() > end) throw new Error(`${what} refused: ${r.message}`);
      await sleep(200);
    }
  }

  /** Adds `id` as a learner; with `wait`, returns once the leader has promoted it to voter. */
  async add(id: string, address: string, wait: boolean, progress: (m: string) => void): Promise<void> {
    const { status } = await this.leader();
    const known = status.peers.find((p) => p.id === id);
    if (known && known.address !== address)
      throw new Error(`${id} is already a member at ${known.address}; remove it first`);
    if (!known)
      await this.change("AddNode", (c, deadlineMs) =>
        callUnary(c, c.addNode, { id, address, learner: true, adminToken: this.token }, { deadlineMs }),
      );
    progress(`${id} is a learner; it becomes a voter once it has caught up with the leader`);
    if (!wait) return;
    const end = Date.now() + this.timeoutMs;
    for (;;) {
      const peer = (await this.leader()).status.peers.find((p) => p.id === id);
      if (peer && !peer.learner) return;
      if (Date.now() > end)
        throw new Error(
          `${id} is still a learner (match index ${peer?.matchIndex ?? 0}): is it running, reachable at ${address}, with this cluster's token?`,
        );
      await sleep(250);
    }
  }

  /** Removes `id`; when it leads, leadership goes to another voter first. */
  async remove(id: string): Promise<void> {
    const { status } = await this.leader();
    const member = status.peers.find((p) => p.id === id);
    if (!member)
      throw new Error(`${id} is not a member (members: ${status.peers.map((p) => p.id).join(", ")})`);
    const voters = status.peers.filter((p) => !p.learner);
    if (!member.learner && voters.length === 1)
      throw new Error(`${id} is the last voter; it cannot be removed`);
    if (status.id === id) await this.transfer(undefined, id);
    await this.change("RemoveNode", (c, deadlineMs) =>
      callUnary(c, c.removeNode, { id, adminToken: this.token }, { deadlineMs }),
    );
  }

  /**
   * Hands leadership to `to` (default: the most caught-up voter); returns the new leader's id. With
   * `from`, only leadership held by `from` is moved. A refused transfer is retried until the timeout:
   * under write load the target may not catch up within the one election timeout a transfer gets,
   * and the leader then simply keeps leading.
   */
  async transfer(to?: string, from?: string): Promise<string> {
    const end = Date.now() + this.timeoutMs;
    for (;;) {
      const { address, status } = await this.leader();
      if (from !== undefined && status.id !== from) return status.id;
      const target = to ?? successorOf({ ...status, role: "leader" });
      if (target === undefined) throw new Error("no other voter to hand leadership to");
      if (target === status.id) return target;
      const c = client(address);
      const r = await callUnary(
        c,
        c.transferLeadership,
        { to: target, adminToken: this.token },
        { deadlineMs: Math.max(1000, end - Date.now()) },
      );
      if (r.success) return target;
      if (Date.now() > end)
        throw new Error(`TransferLeadership to ${target} refused: ${r.message || "not a voter?"}`);
      await sleep(200);
    }
  }
}
