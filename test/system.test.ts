// The system as separate processes, as `npm start` runs it: real gRPC between processes, and a
// service killed with SIGKILL.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { checkHealth, freePort } from "@bookstore/kit";
import { launchConfig } from "../scripts/launch-config.js";
import { Supervisor } from "../scripts/supervisor.js";
import {
  freeSystemPorts,
  portInUse,
  type System,
  type SystemPorts,
  startSystem,
  systemSpecs,
} from "../scripts/system.js";
import { customerIdOf } from "../services/orchestrator/src/checkout-order.js";
import { getJson, post, validBody } from "./support/checkout-stack.js";
import { until } from "./support/until.js";

describe("system: separate processes", () => {
  let system: System;
  let baseUrl: string;
  let ports: SystemPorts;
  before(async () => {
    ports = await freeSystemPorts();
    system = await startSystem(systemSpecs(ports, { LOG_LEVEL: "warn", CALL_DEADLINE_MS: "1000" }));
    baseUrl = `http://127.0.0.1:${ports.orchestrator}`;
  });
  let supervisor: Supervisor | undefined;
  after(async () => {
    await (supervisor ?? system).stop();
    rmSync(ports.dbDataDir, { recursive: true, force: true });
  });

  it("approves an order across processes and reports every service healthy", async () => {
    const { status, body } = await post(baseUrl, "/checkout", validBody());
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.status, "Order Approved");
    const health = (await getJson(`${baseUrl}/api/health`)).body;
    assert.deepEqual(health.services, {
      "transaction-verification": "SERVING",
      "fraud-detection": "SERVING",
      suggestions: "SERVING",
      payment: "SERVING",
      ...Object.fromEntries(ports.dbNodes.map((p) => [`db-node 127.0.0.1:${p}`, "SERVING"])),
      ...Object.fromEntries(ports.executors.map((p) => [`order-executor 127.0.0.1:${p}`, "SERVING"])),
    });
  });

  it("a completed order teaches the customer's recommendations (its purchase is recorded)", async () => {
    const body = validBody({
      creditCard: { number: "4111111111111111", expirationDate: "12/30", cvv: "123" },
    });
    const customerId = customerIdOf(body.user.contact);
    const recommendations = `${baseUrl}/api/recommendations?customerId=${customerId}`;
    assert.equal((await getJson(recommendations)).body.basis, "popular");
    const placed = await post(baseUrl, "/api/checkout", body);
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    await until(
      async () => (await getJson(`${baseUrl}/api/orders/${placed.body.orderId}`)).body.status === "COMPLETED",
      20_000,
      50,
    );
    await until(async () => (await getJson(recommendations)).body.basis === "history", 10_000, 50);
  });

  it("SIGKILL of transaction-verification: checkout answers 503 with a clear message within its deadline", async () => {
    const tv = system.byName("transaction-verification");
    tv.child.kill("SIGKILL");
    await tv.exited;
    const t0 = Date.now();
    const { status, body } = await post(baseUrl, "/checkout", validBody());
    assert.equal(status, 503);
    assert.match(body.error.message, /transaction-verification/);
    assert.ok(Date.now() - t0 < 1500, `answered in ${Date.now() - t0} ms`);
  });

  it("supervised as npm start does: what dies is restarted with its data, the rest keeps serving", async () => {
    const reports: string[] = [];
    supervisor = new Supervisor(system, {
      onLine: () => {},
      report: (m) => reports.push(m),
      firstDelayMs: 200,
    });
    // transaction-verification, killed above, comes back.
    await until(
      async () => (await checkHealth(`127.0.0.1:${ports.transactionVerification}`)) === "SERVING",
      90_000,
    );
    // ...and the orchestrator uses it again once its channel has reconnected (backoff up to 2 s).
    await until(async () => (await post(baseUrl, "/checkout", validBody())).status === 200, 30_000);
    const db1 = system.byName("db-node-1");
    db1.child.kill("SIGKILL");
    await db1.exited;
    const during = await post(baseUrl, "/checkout", validBody());
    assert.equal(
      during.status,
      200,
      `the others keep serving while a db-node is down: ${JSON.stringify(during.body)}`,
    );
    await until(async () => (await checkHealth(`127.0.0.1:${ports.dbNodes[0]}`)) === "SERVING", 90_000);
    assert.notEqual(system.byName("db-node-1"), db1, "a new process");
    assert.ok(
      reports.some((m) => /db-node-1 exited \(SIGKILL\); restarting it/.test(m)),
      reports.join("\n"),
    );
    // The health check can answer before the supervisor's own readiness poll does.
    await until(() => reports.includes("db-node-1 is back"), 30_000);
  });
});

/** Every port variable `npm start` honours, each set to a free port; `nodes` per Raft cluster. */
async function launcherEnv(nodes: number): Promise<Record<string, string>> {
  const consecutive = async (n: number): Promise<number> => {
    // A run of n free ports (a cluster's nodes take consecutive ports from the first).
    for (;;) {
      const first = await freePort();
      const run = Array.from({ length: n }, (_, i) => first + i);
      if (run.every((p) => p <= 65535) && (await portInUse(run)) === undefined) return first;
    }
  };
  return {
    ORCHESTRATOR_PORT: String(await freePort()),
    FD_PORT: String(await freePort()),
    TV_PORT: String(await freePort()),
    SUGGESTIONS_PORT: String(await freePort()),
    PAYMENT_PORT: String(await freePort()),
    ...Object.fromEntries(
      [
        "FD_ADMIN_PORT",
        "TV_ADMIN_PORT",
        "SUGGESTIONS_ADMIN_PORT",
        "PAYMENT_ADMIN_PORT",
        "DB_ADMIN_PORT",
        "EXECUTOR_ADMIN_PORT",
      ].map((k) => [k, "0"]),
    ),
    DB_PORT: String(await consecutive(nodes)),
    EXECUTOR_PORT: String(await consecutive(nodes)),
    LOG_LEVEL: "warn",
  };
}

describe("launcher (npm start)", { timeout: 240_000 }, () => {
  it("names the port that is taken and exits", async () => {
    const env = await launcherEnv(3);
    const port = Number(env.FD_PORT);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, "127.0.0.1", resolve));
    try {
      const launcher = spawn(process.execPath, ["--import", "tsx", "scripts/launcher.ts"], {
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      launcher.stdout.on("data", (d) => (output += d));
      launcher.stderr.on("data", (d) => (output += d));
      const code = await new Promise((resolve) => launcher.once("exit", resolve));
      assert.equal(code, 1);
      assert.match(output, new RegExp(`port ${port} \\(fraud-detection\\) is already in use`));
    } finally {
      blocker.close();
    }
  });

  it("honours the port variables, starts 5-node clusters, prints the URL, leaves nothing listening after SIGTERM", async () => {
    const env = await launcherEnv(5);
    const dataDir = mkdtempSync(join(tmpdir(), "launcher-"));
    const ports = systemSpecs(launchConfig(["--nodes", "5"], env).ports).flatMap((s) => s.ports);
    const launcher = spawn(
      process.execPath,
      ["--import", "tsx", "scripts/launcher.ts", "--nodes", "5", "--data-dir", dataDir],
      { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    launcher.stderr.on("data", (d) => (output += d));
    const url = `http://127.0.0.1:${env.ORCHESTRATOR_PORT}`;
    let exitCode: unknown;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`launcher not up in time:\n${output}`)), 180_000);
        launcher.once("exit", (code) => {
          clearTimeout(timer);
          reject(new Error(`launcher exited (${code}):\n${output}`));
        });
        launcher.stdout.on("data", (d) => {
          output += d;
          if (output.includes(`Bookstore is up: ${url}/`)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      assert.match(output, /clusters: 5 nodes each/);
      const health = (await getJson(`${url}/api/health`)).body as { services: Record<string, string> };
      const serving = (kind: string) =>
        Object.entries(health.services).filter(([k, v]) => k.startsWith(kind) && v === "SERVING").length;
      assert.equal(serving("db-node"), 5, JSON.stringify(health));
      assert.equal(serving("order-executor"), 5, JSON.stringify(health));
      assert.ok(
        Object.keys(health.services).some((k) => k === `db-node 127.0.0.1:${Number(env.DB_PORT) + 4}`),
        "the fifth db-node on DB_PORT + 4",
      );
    } finally {
      const exited = launcher.exitCode ?? new Promise((resolve) => launcher.once("exit", resolve));
      launcher.kill("SIGTERM");
      exitCode = await exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
    assert.equal(exitCode, 0, "SIGTERM stops the launcher cleanly");
    assert.equal(await portInUse(ports), undefined, "no service left listening");
  });
});
