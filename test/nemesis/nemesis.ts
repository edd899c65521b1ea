// The nemesis: takes the planned faults one after another, resolves their targets among the members
// of the moment (the leader is whoever leads when a fault starts), injects them on the real hosts,
// holds them, heals them, and records each fault's window for the availability report. Faults are
// printed as they happen, so a run's log says exactly what was done and when.
import type { FaultKind, PlannedFault } from "./fault-plan.js";
import type { HostProcess } from "./host-process.js";
import type { NamespaceNetwork } from "./net-namespaces.js";
import type { RaftCluster } from "./raft-cluster.js";

export interface FaultWindow {
  n: number;
  kind: FaultKind;
  cluster: string;
  detail: string;
  /** History times (ms): when the fault began, and when it was healed (a killed process: once it serves again). */
  start: number;
  heal: number;
  /** Set when the fault could not be injected as planned (e.g. a membership change refused). */
  error?: string;
  /**
   * Milliseconds from the heal until every member the fault cut off, froze or killed followed the
   * leader again with everything committed at the heal applied (undefined: not measured or never).
   */
  rejoinMs?: number;
  measuredRejoin?: boolean;
}

export interface NemesisTargets {
  clusters: Record<string, RaftCluster>;
  net: NamespaceNetwork;
  /** Every host of the run: a host cut off is cut from all of them. */
  hosts: string[];
  payment?: HostProcess;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What an injected fault leaves to undo, what it did, and the members it took away. */
interface Injected {
  detail: string;
  heal: () => Promise<void>;
  affected?: string[];
}

export class Nemesis {
  readonly windows: FaultWindow[] = [];
  private readonly rejoins: Promise<void>[] = [];

  constructor(
    private readonly t: NemesisTargets,
    private readonly now: () => number,
    private readonly print: (line: string) => void,
  ) {}

  /** Runs faults from the plan until the next one would not heal before `until` (history ms). */
  async run(plan: Iterator<PlannedFault>, until: number): Promise<void> {
    for (let f = plan.next(); !f.done; f = plan.next()) {
      const fault = f.value;
      if (this.now() + fault.gapMs + fault.durationMs + 5000 > until) break;
      await sleep(fault.gapMs);
      await this.one(fault);
    }
    await Promise.all(this.rejoins);
  }

  private async one(f: PlannedFault): Promise<void> {
    const w: FaultWindow = {
      n: this.windows.length + 1,
      kind: f.kind,
      cluster: f.cluster,
      detail: "",
      start: this.now(),
      heal: 0,
    };
    this.windows.push(w);
    let injected: Injected | undefined;
    try {
      injected = await this.inject(f);
      w.detail = injected.detail;
      await sleep(f.durationMs);
    } catch (error) {
      w.error = String(error instanceof Error ? error.message : error);
    } finally {
      await injected?.heal().catch((error: unknown) => {
        w.error = `heal failed: ${String(error)}`;
      });
      await this.t.net.healAll();
      // Healed once the links are up, the process woken, or the killed ones running again.
      w.heal = this.now();
    }
    const affected = injected?.affected ?? [];
    if (affected.length > 0) {
      w.measuredRejoin = true;
      this.rejoins.push(this.measureRejoin(this.cluster(f.cluster), affected, w));
    }
    const at = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
    const what = w.error ? `${w.detail} — ${w.error}` : w.detail;
    this.print(
      `[${at(w.start).padStart(7)}] #${w.n} ${f.kind} (${f.cluster}): ${what}; healed at ${at(w.heal)}`,
    );
  }

  /**
   * Polls the affected members until they follow the leader with what it had committed at the heal.
   * Stops without a result when the next fault starts first (that one is measured on its own).
   */
  private async measureRejoin(c: RaftCluster, ids: string[], w: FaultWindow): Promise<void> {
    const end = Date.now() + 60_000;
    let target: number | undefined;
    while (Date.now() < end) {
      if (this.windows.length > w.n) {
        w.measuredRejoin = false;
        return;
      }
      const leader = await c.leader();
      const ls = leader ? await c.status(leader) : undefined;
      target ??= ls?.commitIndex;
      if (ls && target !== undefined) {
        const statuses = await Promise.all(
          ids.filter((id) => c.members().includes(id)).map((id) => c.status(id)),
        );
        if (statuses.every((s) => s && s.leaderId === ls.id && s.appliedIndex >= (target as number))) {
          w.rejoinMs = this.now() - w.heal;
          return;
        }
      }
      await sleep(50);
    }
  }

  private cluster(name: string): RaftCluster {
    const c = this.t.clusters[name];
    if (!c) throw new Error(`no cluster ${name}`);
    return c;
  }

  private pickMember(c: RaftCluster, pick: number): string {
    const ids = c.members().sort();
    return ids[Math.floor(pick * ids.length)] as string;
  }

  private async leaderOr(c: RaftCluster, pick: number): Promise<{ id: string; leader: boolean }> {
    const l = await c.leader();
    return l ? { id: l, leader: true } : { id: this.pickMember(c, pick), leader: false };
  }

  private async isolate(c: RaftCluster, id: string): Promise<void> {
    const h = c.host(id);
    await this.t.net.partition(
      [h],
      this.t.hosts.filter((x) => x !== h),
    );
  }

  private inject(f: PlannedFault): Promise<Injected> {
    if (f.kind === "kill-payment") return this.killPayment();
    const c = this.cluster(f.cluster);
    switch (f.kind) {
      case "partition-one":
        return this.partitionOne(c, f.pick);
      case "partition-halves":
        return this.partitionHalves(c, f.pick);
      case "partition-bridge":
        return this.partitionBridge(c, f.pick);
      case "partition-leader":
        return this.partitionLeader(c, f.pick);
      case "pause-leader":
        return this.pauseLeader(c, f.pick);
      case "kill":
        return this.kill(c, f.pick);
      case "kill-all":
        return this.killAll(c);
      case "membership":
        return this.membership(c, f.pick);
      case "transfer-leader":
        return this.transfer(c, f.pick);
    }
  }

  private async partitionOne(c: RaftCluster, pick: number): Promise<Injected> {
    const id = this.pickMember(c, pick);
    await this.isolate(c, id);
    return { detail: `${id} cut off from every other host`, heal: async () => {}, affected: [id] };
  }

  private async partitionHalves(c: RaftCluster, pick: number): Promise<Injected> {
    const ids = c.members().sort();
    const start = Math.floor(pick * ids.length);
    const rotated = [...ids.slice(start), ...ids.slice(0, start)];
    const minority = rotated.slice(0, Math.floor(ids.length / 2));
    const majority = rotated.slice(minority.length);
    await this.t.net.partition(
      minority.map((id) => c.host(id)),
      majority.map((id) => c.host(id)),
    );
    return {
      detail: `${minority.join(" ")} | ${majority.join(" ")}`,
      heal: async () => {},
      affected: minority,
    };
  }

  private async partitionBridge(c: RaftCluster, pick: number): Promise<Injected> {
    const ids = c.members().sort();
    const start = Math.floor(pick * ids.length);
    const [bridge, ...rest] = [...ids.slice(start), ...ids.slice(0, start)];
    const left = rest.slice(0, Math.floor(rest.length / 2));
    const right = rest.slice(left.length);
    await this.t.net.partition(
      left.map((id) => c.host(id)),
      right.map((id) => c.host(id)),
    );
    return {
      detail: `${left.join(" ")} | ${right.join(" ")}, ${bridge} sees both`,
      heal: async () => {},
      affected: rest,
    };
  }

  private async partitionLeader(c: RaftCluster, pick: number): Promise<Injected> {
    const t = await this.leaderOr(c, pick);
    await this.isolate(c, t.id);
    return {
      detail: `${t.leader ? "leader " : "no leader; "}${t.id} cut off from every other host`,
      heal: async () => {},
      affected: [t.id],
    };
  }

  private async pauseLeader(c: RaftCluster, pick: number): Promise<Injected> {
    const t = await this.leaderOr(c, pick);
    c.pause(t.id);
    return {
      detail: `${t.leader ? "leader " : "no leader; "}${t.id} frozen (SIGSTOP)`,
      heal: async () => c.resume(t.id),
      affected: [t.id],
    };
  }

  private async kill(c: RaftCluster, pick: number): Promise<Injected> {
    const t =
      pick < 0.5
        ? await this.leaderOr(c, pick * 2)
        : { id: this.pickMember(c, (pick - 0.5) * 2), leader: false };
    await c.kill(t.id);
    return {
      detail: `${t.leader ? "leader " : ""}${t.id} killed (SIGKILL)`,
      heal: () => c.restart(t.id),
      affected: [t.id],
    };
  }

  private async killAll(c: RaftCluster): Promise<Injected> {
    const ids = c.members();
    await Promise.all(ids.map((id) => c.kill(id)));
    return {
      detail: `${ids.join(" ")} killed at once`,
      heal: async () => {
        await Promise.all(ids.map((id) => c.restart(id)));
      },
      affected: ids,
    };
  }

  private async membership(c: RaftCluster, pick: number): Promise<Injected> {
    const joined = await c.join();
    const voter = await c.waitVoter(joined);
    const leader = await c.leader();
    const candidates = c
      .members()
      .filter((id) => id !== joined)
      .sort();
    const removed =
      pick < 0.3 && leader && leader !== joined
        ? leader
        : (candidates[Math.floor(pick * candidates.length)] as string);
    await c.remove(removed);
    return {
      detail: `${joined} joined on ${c.host(joined)}${voter ? "" : " (still a learner)"}, then ${removed === leader ? "leader " : ""}${removed} removed`,
      heal: async () => {},
    };
  }

  private async transfer(c: RaftCluster, pick: number): Promise<Injected> {
    const leader = await c.waitLeader(5000);
    const others = c
      .members()
      .filter((id) => id !== leader)
      .sort();
    const to = others[Math.floor(pick * others.length)] as string;
    const ok = await c.transferLeadership(leader, to);
    return { detail: `${leader} → ${to}${ok ? "" : " (did not complete)"}`, heal: async () => {} };
  }

  private async killPayment(): Promise<Injected> {
    const p = this.t.payment;
    if (!p) throw new Error("no payment process in this run");
    await p.kill();
    return {
      detail: "payment killed (SIGKILL)",
      heal: async () => {
        p.start();
        await p.waitReady();
      },
    };
  }

  /** After the last fault: every link up, every frozen process woken, every member running. */
  async healEverything(): Promise<void> {
    await this.t.net.healAll();
    for (const c of Object.values(this.t.clusters)) {
      for (const id of c.members()) c.resume(id);
      await Promise.all(c.members().map((id) => c.restart(id)));
    }
    if (this.t.payment && !this.t.payment.running) {
      this.t.payment.start();
      await this.t.payment.waitReady();
    }
  }
}
