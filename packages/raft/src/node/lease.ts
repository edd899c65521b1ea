// Leader leases (RaftConfig.leaseMs): how long a heartbeat round a quorum answered lets the leader
// answer reads alone. A voter that answered refuses votes until it has counted electionTick - 1
// ticks of its own since; the first may come at once, so the promise holds for (electionTick - 2)
// ticks of real time at least. The assumption: the voter's tick clock and the leader's clock each run
// fast or slow by at most MAX_CLOCK_DRIFT (timers that fire late, a paused process, only lengthen the
// voter's promise; the leader measures its lease with a monotonic clock, never in ticks, so a stalled
// leader does not stretch it). The lease keeps that margin twice.

/** The largest rate error assumed between any two nodes' clocks (10%: far above real clock drift). */
export const MAX_CLOCK_DRIFT = 0.1;

/** The lease for a cluster ticking every `tickMs` with elections after `electionTick` ticks (0: none). */
export function leaseMs(tickMs: number, electionTick: number): number {
  return Math.max(0, (electionTick - 2) * tickMs * (1 - MAX_CLOCK_DRIFT) ** 2);
}
