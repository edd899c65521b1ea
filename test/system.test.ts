// The system as separate processes, as `npm start` runs it: real gRPC between processes, and a
// service killed with SIGKILL.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { checkHealth } from "@bookstore/kit";
import { Supervisor } from "../scripts/supervisor.js";
import {
  defaultPorts,
  freeSystemPorts,
  portInUse,
  type System,
  type SystemPorts,
  startSystem,
  systemSpecs,
} from "../scripts/system.js";
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
    const db1 = system.byName("db-node-1");
    db1.child.kill("SIGKILL");
    await db1.exited;
    const during = await post(baseUrl, "/checkout", validBody());
    assert.equal(during.status, 200, "the others keep serving while a db-node is down");
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

describe("launcher (npm start)", () => {
  it("names the port that is taken and exits", async () => {
    const blocker = createServer();
    const port = defaultPorts.fraudDetection;
    const blocked = await new Promise<boolean>((resolve) => {
      blocker.once("error", () => resolve(false));
      blocker.listen(port, "127.0.0.1", () => resolve(true));
    });
    try {
      const launcher = spawn(process.execPath, ["--import", "tsx", "scripts/launcher.ts"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      launcher.stdout.on("data", (d) => (output += d));
      launcher.stderr.on("data", (d) => (output += d));
      const code = await new Promise((resolve) => launcher.once("exit", resolve));
      assert.equal(code, 1);
      assert.match(output, new RegExp(`port ${port} \\(fraud-detection\\) is already in use`));
      assert.ok(blocked || output.length > 0);
    } finally {
      blocker.close();
    }
  });

  it("starts everything, prints the URL, and leaves nothing listening after SIGTERM", async (t) => {
    const ports = systemSpecs(defaultPorts).flatMap((s) => s.ports);
    if ((await portInUse(ports)) !== undefined) {
      t.skip("a default port is taken on this machine");
      return;
    }
    const launcher = spawn(process.execPath, ["--import", "tsx", "scripts/launcher.ts"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    launcher.stderr.on("data", (d) => (output += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`launcher not up in time:\n${output}`)), 60_000);
      launcher.stdout.on("data", (d) => {
        output += d;
        if (output.includes("Bookstore is up: http://127.0.0.1:8080/")) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    assert.match(output, /\[fraud-detection\s*\] info/);
    const health = await fetch("http://127.0.0.1:8080/api/health");
    assert.equal(health.status, 200);
    launcher.kill("SIGTERM");
    assert.equal(await new Promise((resolve) => launcher.once("exit", resolve)), 0);
    assert.equal(await portInUse(ports), undefined, "no service left listening");
  });
});
