// The test hosts of a nemesis run: one Linux network namespace per host, each with its own address,
// joined pairwise by veth links (a full mesh, so any single link can be cut) and each linked to the
// control side — the root namespace, where the harness and its clients run, and which always reaches
// every host (as Jepsen's control node does). Cutting a link takes it down at both ends: the route to
// the peer disappears and its traffic falls to a sink route whose device drops it without a word, as
// a failed link does (no RST, no ICMP: connections hang). Addresses come from 198.18.0.0/15 (RFC
// 2544, reserved for network tests). Names carry the run's pid, so concurrent runs coexist and a run
// removes what a killed one left behind (removeStaleNetworks).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

const PREFIX = "nem";

/** Runs `ip` with arguments (or a batch on stdin); rejects with its stderr. */
function ip(args: string[], stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile("ip", args, { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`ip ${args.join(" ")}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

function batch(ns: string | undefined, lines: string[]): Promise<string> {
  return ip([...(ns ? ["-n", ns] : []), "-batch", "-"], `${lines.join("\n")}\n`);
}

function pidAlive(pid: number): boolean {
  try {
    // A nemesis run's pid whose process now runs something else (pid reuse) counts as gone.
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("nemesis");
  } catch {
    return false;
  }
}

async function namespaces(): Promise<string[]> {
  const out = await ip(["netns", "list"]);
  return out
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter(Boolean);
}

/** Kills whatever still runs inside a namespace (only ever our own processes), then deletes it. */
async function deleteNamespace(ns: string): Promise<void> {
  const pids = (await ip(["netns", "pids", ns]).catch(() => "")).split("\n").filter(Boolean);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // already gone
    }
  }
  await ip(["netns", "del", ns]).catch(() => undefined);
}

/** Deletes the namespaces (and with them their links) of nemesis runs that are no longer running. */
export async function removeStaleNetworks(): Promise<string[]> {
  const stale = (await namespaces()).filter((ns) => {
    const m = /^nem(\d+)-/.exec(ns);
    return m !== null && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]));
  });
  for (const ns of stale) await deleteNamespace(ns);
  return stale;
}

/**
 * Whether this machine lets us build hosts: a namespace and a veth pair. Resolves with the reason
 * when the kernel or our privileges refuse (the only case in which a nemesis test may skip).
 */
export async function namespaceSupport(): Promise<{ ok: true } | { ok: false; reason: string }> {
  const ns = `${PREFIX}${process.pid}-probe`;
  try {
    await ip(["netns", "add", ns]);
  } catch (error) {
    const why = String((error as Error).message);
    if (/not permitted|permission denied|ENOENT|not supported|spawn ip/i.test(why))
      return { ok: false, reason: why };
    throw error;
  }
  try {
    await ip(["-n", ns, "link", "add", "probe0", "type", "veth", "peer", "name", "probe1"]);
    return { ok: true };
  } catch (error) {
    const why = String((error as Error).message);
    if (/not permitted|not supported|unknown device type/i.test(why)) return { ok: false, reason: why };
    throw error;
  } finally {
    await deleteNamespace(ns);
  }
}

/** A third octet of 198.18.x.0/24 that no route of the root namespace uses yet. */
async function freeSubnet(): Promise<number> {
  const routes = await ip(["-4", "route", "show", "table", "all"]);
  for (let i = 0; i < 256; i++) {
    const s = (process.pid + i) % 256;
    if (!routes.includes(`198.18.${s}.`)) return s;
  }
  throw new Error("no free 198.18.x.0/24 subnet for the test hosts");
}

export class NamespaceNetwork {
  /** The control side's address, as the hosts see it. */
  readonly controlAddress: string;
  private readonly cuts = new Set<string>();
  /**
   * Names this network's root-side links: a deleted namespace's links may linger while the kernel
   * tears it down, so a second network of the same process must not reuse their names.
   */
  private readonly tag = randomBytes(3).toString("hex");

  private constructor(
    private readonly subnet: number,
    readonly hosts: string[],
  ) {
    this.controlAddress = `198.18.${subnet}.1`;
  }

  /** Builds every host (namespace, address, sink), the control links and the full mesh. */
  static async create(hosts: string[]): Promise<NamespaceNetwork> {
    const net = new NamespaceNetwork(await freeSubnet(), hosts);
    try {
      for (const h of hosts) await ip(["netns", "add", net.ns(h)]);
      await batch(undefined, net.rootCommands());
      await Promise.all(hosts.map((h) => batch(net.ns(h), net.hostCommands(h))));
    } catch (error) {
      await net.destroy();
      throw error;
    }
    return net;
  }

  ns(host: string): string {
    return `${PREFIX}${process.pid}-${host}`;
  }

  address(host: string): string {
    return `198.18.${this.subnet}.${10 + this.index(host)}`;
  }

  private index(host: string): number {
    const i = this.hosts.indexOf(host);
    if (i < 0) throw new Error(`no host ${host}`);
    return i;
  }

  /** The name, inside `host`'s namespace, of its link to `peer`. */
  private link(peer: string): string {
    return `l${this.index(peer)}`;
  }

  private controlLink(host: string): string {
    return `nm${this.tag}h${this.index(host)}`;
  }

  private rootCommands(): string[] {
    const lines: string[] = [];
    for (const h of this.hosts) {
      const c = this.controlLink(h);
      lines.push(
        `link add ${c} type veth peer name ctl netns ${this.ns(h)}`,
        `addr add ${this.controlAddress}/32 dev ${c}`,
        `link set ${c} up`,
        `route add ${this.address(h)}/32 dev ${c} src ${this.controlAddress}`,
      );
    }
    this.hosts.forEach((a, i) => {
      for (const b of this.hosts.slice(i + 1))
        lines.push(
          `link add ${this.link(b)} netns ${this.ns(a)} type veth peer name ${this.link(a)} netns ${this.ns(b)}`,
        );
    });
    return lines;
  }

  private hostCommands(h: string): string[] {
    const self = this.address(h);
    const lines = [
      "link set lo up",
      `addr add ${self}/32 dev lo`,
      "link set ctl up",
      `route add ${this.controlAddress}/32 dev ctl src ${self}`,
      // The sink: a device whose far end stays down, so what is routed to it vanishes silently.
      "link add sink type veth peer name sinkpeer",
      "link set sink arp off up",
      `route add 198.18.${this.subnet}.0/24 dev sink metric 1000`,
    ];
    for (const peer of this.hosts) {
      if (peer === h) continue;
      lines.push(`link set ${this.link(peer)} up`, this.peerRoute(h, peer));
    }
    return lines;
  }

  private peerRoute(h: string, peer: string): string {
    return `route replace ${this.address(peer)}/32 dev ${this.link(peer)} src ${this.address(h)}`;
  }

  private pairKey(a: string, b: string): string {
    return [a, b].sort().join("|");
  }

  isCut(a: string, b: string): boolean {
    return this.cuts.has(this.pairKey(a, b));
  }

  /** Takes the link between two hosts down at both ends. */
  async cut(a: string, b: string): Promise<void> {
    if (a === b || this.isCut(a, b)) return;
    this.cuts.add(this.pairKey(a, b));
    await Promise.all([
      batch(this.ns(a), [`link set ${this.link(b)} down`]),
      batch(this.ns(b), [`link set ${this.link(a)} down`]),
    ]);
  }

  /** Brings a link back up, with the routes that went away with it. */
  async heal(a: string, b: string): Promise<void> {
    if (!this.isCut(a, b)) return;
    this.cuts.delete(this.pairKey(a, b));
    await Promise.all([
      batch(this.ns(a), [`link set ${this.link(b)} up`, this.peerRoute(a, b)]),
      batch(this.ns(b), [`link set ${this.link(a)} up`, this.peerRoute(b, a)]),
    ]);
  }

  async healAll(): Promise<void> {
    const pairs = [...this.cuts].map((k) => k.split("|") as [string, string]);
    await Promise.all(pairs.map(([a, b]) => this.heal(a, b)));
  }

  /** Cuts every link between the two groups (each host of `side` from each host of `other`). */
  async partition(side: string[], other: string[]): Promise<void> {
    await Promise.all(side.flatMap((a) => other.map((b) => this.cut(a, b))));
  }

  /** Kills what runs in the hosts and deletes them (their links go with them). */
  async destroy(): Promise<void> {
    const mine = new Set(this.hosts.map((h) => this.ns(h)));
    const existing = (await namespaces().catch(() => [] as string[])).filter((ns) => mine.has(ns));
    await Promise.all(existing.map((ns) => deleteNamespace(ns)));
  }
}
