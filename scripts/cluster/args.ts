// `npm run cluster -- <command>`: the command line as a value. Pure; every mistake is a UsageError
// naming the argument and the rule.
export type ClusterName = "db-node" | "order-executor";

export type Command =
  | { kind: "status" }
  | { kind: "add"; id: string; address: string; wait: boolean }
  | { kind: "remove"; id: string }
  | { kind: "transfer-leader"; to?: string }
  | { kind: "backup"; out: string; from?: string }
  | { kind: "restore"; file: string; dataDir: string; peers: { id: string; address: string }[] };

export interface Invocation {
  command: Command;
  cluster: ClusterName;
  /** Members to contact first (the others are found from the leader's membership). */
  nodes: string[];
  token: string;
  timeoutMs: number;
}

export class UsageError extends Error {
  override name = "UsageError";
}

export const usage = `usage: npm run cluster -- <command> [options]

commands:
  status                          every member: role, term, leader, commit/applied index, match index
  add <id> <host:port>            add a member: it joins as a learner and is promoted to voter once
                                  caught up (start it with its id not in *_PEERS and *_ADVERTISE_ADDR
                                  set; --no-wait returns once it is a learner)
  remove <id>                     remove a member (a leader hands leadership over first)
  transfer-leader [<id>]          hand leadership to <id> (default: the most caught-up voter)
  backup --out FILE [--from host:port]
                                  a snapshot of a running member's state (default: a follower), to FILE
  restore --from FILE --data-dir DIR --peers id=host:port,...
                                  write DIR for one member of a new cluster restored from FILE; run it
                                  once per member with the same --peers, then start the members

options:
  --cluster db-node|order-executor  which cluster (default: order-executor when SERVICE says so, else db-node)
  --nodes host:port,...             members to contact (default: DB_NODES or DB_PEERS, EXECUTOR_NODES or
                                    EXECUTOR_PEERS, else the local defaults)
  --timeout SECONDS                 how long to wait for the cluster (default 30)
The admin token comes from DB_ADMIN_TOKEN / EXECUTOR_ADMIN_TOKEN (set in the services' containers).`;

const addressPattern = /^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/;
const idPattern = /^[A-Za-z0-9_-]{1,32}$/;

const envNames = {
  "db-node": { nodes: "DB_NODES", peers: "DB_PEERS", token: "DB_ADMIN_TOKEN" },
  "order-executor": { nodes: "EXECUTOR_NODES", peers: "EXECUTOR_PEERS", token: "EXECUTOR_ADMIN_TOKEN" },
} as const;

const localDefaults = {
  "db-node": "127.0.0.1:50066,127.0.0.1:50067,127.0.0.1:50068",
  "order-executor": "127.0.0.1:50061,127.0.0.1:50062,127.0.0.1:50063",
};

/** The development tokens the services use when none is set. */
const devTokens = { "db-node": "dev-only-db-admin-token", "order-executor": "dev-only-executor-admin-token" };

function addressList(value: string, what: string): string[] {
  const list = value
    .split(",")
    .map((a) => a.trim())
    .filter((a) => a.length > 0)
    .map((a) => (a.includes("=") ? a.slice(a.indexOf("=") + 1) : a));
  const bad = list.find((a) => !addressPattern.test(a));
  if (list.length === 0 || bad !== undefined)
    throw new UsageError(`${what} must be a list of host:port (got ${JSON.stringify(bad ?? value)})`);
  return list;
}

export function parsePeers(value: string): { id: string; address: string }[] {
  const peers = value
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => ({ id: p.slice(0, p.indexOf("=")), address: p.slice(p.indexOf("=") + 1) }));
  const bad = peers.find((p) => !idPattern.test(p.id) || !addressPattern.test(p.address));
  if (peers.length === 0 || bad)
    throw new UsageError(`--peers must be a list of id=host:port (got ${JSON.stringify(value)})`);
  return peers;
}

/** Splits argv into positional words and --flags (a flag takes the next word unless boolean). */
function split(argv: string[]): { words: string[]; flags: Map<string, string> } {
  const booleans = new Set(["--no-wait"]);
  const known = new Set([
    "--cluster",
    "--nodes",
    "--timeout",
    "--out",
    "--from",
    "--data-dir",
    "--peers",
    "--token",
  ]);
  const words: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith("--")) {
      words.push(a);
      continue;
    }
    if (booleans.has(a)) flags.set(a, "true");
    else if (known.has(a)) {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value`);
      flags.set(a, v);
    } else throw new UsageError(`unknown option ${a}`);
  }
  return { words, flags };
}

function clusterOf(flags: Map<string, string>, env: Record<string, string | undefined>): ClusterName {
  const given = flags.get("--cluster") ?? (env.SERVICE === "order-executor" ? "order-executor" : "db-node");
  const aliases: Record<string, ClusterName> = {
    db: "db-node",
    "db-node": "db-node",
    executor: "order-executor",
    "order-executor": "order-executor",
  };
  const name = aliases[given];
  if (!name)
    throw new UsageError(`--cluster must be db-node or order-executor (got ${JSON.stringify(given)})`);
  return name;
}

function commandOf(words: string[], flags: Map<string, string>): Command {
  const [verb, ...rest] = words;
  const need = (value: string | undefined, what: string) => {
    if (value === undefined) throw new UsageError(`${verb} needs ${what}`);
    return value;
  };
  const id = (value: string | undefined) => {
    const v = need(value, "a member id");
    if (!idPattern.test(v))
      throw new UsageError(`member id must be 1..32 letters, digits, - or _ (got ${JSON.stringify(v)})`);
    return v;
  };
  switch (verb) {
    case "status":
      return { kind: "status" };
    case "add": {
      const address = need(rest[1], "an address (host:port)");
      if (!addressPattern.test(address))
        throw new UsageError(`address must be host:port (got ${JSON.stringify(address)})`);
      return { kind: "add", id: id(rest[0]), address, wait: !flags.has("--no-wait") };
    }
    case "remove":
      return { kind: "remove", id: id(rest[0]) };
    case "transfer-leader":
      return rest[0] === undefined
        ? { kind: "transfer-leader" }
        : { kind: "transfer-leader", to: id(rest[0]) };
    case "backup": {
      const from = flags.get("--from");
      if (from !== undefined) addressList(from, "--from");
      return { kind: "backup", out: need(flags.get("--out"), "--out FILE"), ...(from ? { from } : {}) };
    }
    case "restore":
      return {
        kind: "restore",
        file: need(flags.get("--from"), "--from FILE"),
        dataDir: need(flags.get("--data-dir"), "--data-dir DIR"),
        peers: parsePeers(need(flags.get("--peers"), "--peers id=host:port,...")),
      };
    default:
      throw new UsageError(
        verb === undefined ? "no command given" : `unknown command ${JSON.stringify(verb)}`,
      );
  }
}

export function parseInvocation(argv: string[], env: Record<string, string | undefined>): Invocation {
  const { words, flags } = split(argv);
  const cluster = clusterOf(flags, env);
  const names = envNames[cluster];
  const nodesGiven = flags.get("--nodes");
  const nodes = addressList(
    nodesGiven ?? env[names.nodes] ?? env[names.peers] ?? localDefaults[cluster],
    nodesGiven !== undefined ? "--nodes" : names.nodes,
  );
  const seconds = Number(flags.get("--timeout") ?? "30");
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new UsageError(
      `--timeout must be a positive number of seconds (got ${JSON.stringify(flags.get("--timeout"))})`,
    );
  return {
    command: commandOf(words, flags),
    cluster,
    nodes,
    token: flags.get("--token") ?? env[names.token] ?? devTokens[cluster],
    timeoutMs: seconds * 1000,
  };
}
