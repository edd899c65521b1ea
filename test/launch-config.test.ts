// `npm start`'s flags and port variables, without starting anything.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { launchConfig } from "../scripts/launch-config.js";
import { systemSpecs } from "../scripts/system.js";

describe("launch configuration (npm start)", () => {
  it("uses the services' default ports when nothing is set", () => {
    const { ports, nodes } = launchConfig([], {});
    assert.equal(nodes, 3);
    assert.equal(ports.orchestrator, 8080);
    assert.deepEqual(ports.dbNodes, [50066, 50067, 50068]);
    assert.deepEqual(ports.executors, [50061, 50062, 50063]);
    assert.deepEqual(ports.dbAdmin, [51066, 51067, 51068]);
  });

  it("honours every port a user sets; a cluster's port is its first node's", () => {
    const { ports } = launchConfig([], {
      ORCHESTRATOR_PORT: "18080",
      FD_PORT: "18051",
      TV_ADMIN_PORT: "0",
      DB_PORT: "28066",
      EXECUTOR_PORT: "28061",
      EXECUTOR_ADMIN_PORT: "29061",
    });
    assert.equal(ports.orchestrator, 18080);
    assert.equal(ports.fraudDetection, 18051);
    assert.equal(ports.admin.transactionVerification, 0);
    assert.deepEqual(ports.dbNodes, [28066, 28067, 28068]);
    assert.deepEqual(ports.executorAdmin, [29061, 29062, 29063]);
    const specs = systemSpecs(ports);
    const orchestrator = specs.find((s) => s.name === "orchestrator");
    assert.equal(orchestrator?.env.ORCHESTRATOR_PORT, "18080");
    assert.equal(orchestrator?.env.DB_NODES, "127.0.0.1:28066,127.0.0.1:28067,127.0.0.1:28068");
    assert.equal(specs.find((s) => s.name === "db-node-2")?.env.DB_PORT, "28067");
  });

  it("--nodes 5 sizes both clusters, each node told every peer", () => {
    const { ports, nodes } = launchConfig(["--nodes", "5", "--data-dir", "/tmp/x"], {});
    assert.equal(nodes, 5);
    assert.deepEqual(ports.dbNodes, [50066, 50067, 50068, 50069, 50070]);
    assert.deepEqual(ports.executors, [50061, 50062, 50063, 50064, 50065]);
    assert.equal(ports.dbDataDir, "/tmp/x/db-node");
    const specs = systemSpecs(ports);
    const ex5 = specs.find((s) => s.name === "order-executor-5");
    assert.equal(ex5?.env.EXECUTOR_PEERS?.split(",").length, 5);
    assert.equal(ex5?.env.EXECUTOR_DATA_DIR, "/tmp/x/order-executor/ex5");
    assert.equal(specs.filter((s) => s.name.startsWith("db-node-")).length, 5);
  });

  it("refuses a bad value, naming the variable or flag", () => {
    const refused = (argv: string[], env: Record<string, string>, pattern: RegExp) =>
      assert.throws(() => launchConfig(argv, env), pattern);
    refused([], { ORCHESTRATOR_PORT: "http" }, /ORCHESTRATOR_PORT: must be a TCP port/);
    refused([], { DB_PORT: "0" }, /DB_PORT: must be a fixed port/);
    refused(["--nodes", "4"], {}, /--nodes must be one of 1, 3, 5, 7 \(got "4"\)/);
    refused(["--nodes"], {}, /--nodes needs a value/);
    refused(["--node", "5"], {}, /unknown option --node/);
    // With 5 executors from 50061, the fifth would take db-node-1's port.
    refused(["--nodes", "5"], { EXECUTOR_PORT: "50062" }, /port 50066 is given to both/);
  });
});
