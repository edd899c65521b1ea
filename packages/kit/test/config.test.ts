import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { z } from "zod";
import { ConfigError, env, parseConfig, refineRaftMember } from "../src/index.js";

const schema = z.object({
  PORT: env.port(8080),
  PEERS: env.addressList("a:1"),
  DEADLINE_MS: env.millis(100),
});

describe("configuration", () => {
  it("applies defaults and parses values", () => {
    assert.deepEqual(parseConfig(schema, {}), { PORT: 8080, PEERS: ["a:1"], DEADLINE_MS: 100 });
    assert.deepEqual(parseConfig(schema, { PORT: "9", PEERS: "x:1, y:2", DEADLINE_MS: "5" }), {
      PORT: 9,
      PEERS: ["x:1", "y:2"],
      DEADLINE_MS: 5,
    });
  });

  it("names every wrong variable, its rule and the value given", () => {
    assert.throws(
      () => parseConfig(schema, { PORT: "70000", PEERS: "nope", DEADLINE_MS: "0" }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /PORT: must be a TCP port 0\.\.65535 \(got "70000"\)/);
        assert.match(error.message, /PEERS\.0: must be a list of host:port/);
        assert.match(error.message, /DEADLINE_MS: must be a positive number of milliseconds \(got "0"\)/);
        return true;
      },
    );
  });

  it("a service with a wrong value stops with one line and status 2", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "services/fraud-detection/src/index.ts"], {
      cwd: new URL("../../..", import.meta.url).pathname,
      env: { ...process.env, FD_PORT: "http" },
      encoding: "utf8",
    });
    assert.equal(result.status, 2);
    assert.equal(result.stderr.trim().split("\n").length, 1);
    assert.match(result.stderr, /^fraud-detection: invalid configuration: FD_PORT: must be a TCP port/);
  });
});

describe("a Raft member's identity", () => {
  const member = z
    .object({
      X_NODE_ID: env.nodeId("a"),
      X_PEERS: env.peerList("a=h:1,b=h:2,c=h:3"),
      X_ADVERTISE_ADDR: env.optionalAddress(),
    })
    .superRefine(refineRaftMember("X"));

  it("one of the first members: listed in the peers; a given advertised address must be its entry", () => {
    assert.equal(parseConfig(member, { X_NODE_ID: "b" }).X_NODE_ID, "b");
    assert.equal(parseConfig(member, { X_NODE_ID: "b", X_ADVERTISE_ADDR: "h:2" }).X_ADVERTISE_ADDR, "h:2");
    assert.throws(
      () => parseConfig(member, { X_NODE_ID: "b", X_ADVERTISE_ADDR: "h:9" }),
      /X_ADVERTISE_ADDR: differs from this node's X_PEERS entry h:2/,
    );
  });

  it("a joining node is not listed and says where it is reached", () => {
    assert.equal(parseConfig(member, { X_NODE_ID: "d", X_ADVERTISE_ADDR: "h:4" }).X_NODE_ID, "d");
    assert.throws(
      () => parseConfig(member, { X_NODE_ID: "d" }),
      /X_PEERS: must include X_NODE_ID d, or set X_ADVERTISE_ADDR to join a running cluster/,
    );
    assert.throws(
      () => parseConfig(member, { X_NODE_ID: "d", X_ADVERTISE_ADDR: "nohost" }),
      /must be host:port/,
    );
  });
});
