// Throughput and latency from two readings of a Prometheus histogram, as prom-client writes it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Histogram, Registry } from "prom-client";
import { parseLabels, quantile, readHistograms, windowPoint } from "../src/metrics-window.js";

function histogram() {
  const registry = new Registry();
  const h = new Histogram({
    name: "grpc_server_handling_seconds",
    help: "h",
    labelNames: ["method", "code"] as const,
    buckets: [0.001, 0.01, 0.1, 1],
    registers: [registry],
  });
  return { registry, h };
}
const byService = (l: Record<string, string>) =>
  l.method?.includes("Health") ? undefined : l.method?.split("/")[1];

describe("metrics window", () => {
  it("parses labels with escapes", () => {
    assert.deepEqual(parseLabels('le="0.1",method="/a.B/C",note="say \\"hi\\"\\nbye"'), {
      le: "0.1",
      method: "/a.B/C",
      note: 'say "hi"\nbye',
    });
  });

  it("sums the series of a group (label order as prom-client writes it) and leaves others out", async () => {
    const { registry, h } = histogram();
    h.observe({ method: "/bookstore.v1.PaymentService/Prepare", code: "OK" }, 0.005);
    h.observe({ method: "/bookstore.v1.PaymentService/Commit", code: "OK" }, 0.05);
    h.observe({ method: "/grpc.health.v1.Health/Check", code: "OK" }, 0.0001);
    const readings = readHistograms(await registry.metrics(), "grpc_server_handling_seconds", byService);
    assert.deepEqual([...readings.keys()], ["bookstore.v1.PaymentService"]);
    const r = readings.get("bookstore.v1.PaymentService");
    assert.equal(r?.count, 2);
    assert.ok(Math.abs((r?.sum ?? 0) - 0.055) < 1e-9);
    assert.deepEqual(r?.buckets, [
      [0.001, 0],
      [0.01, 1],
      [0.1, 2],
      [1, 2],
      [Number.POSITIVE_INFINITY, 2],
    ]);
  });

  it("rate and quantiles cover only what happened between two readings", async () => {
    const { registry, h } = histogram();
    const method = { method: "/x.Y/Z", code: "OK" };
    for (let i = 0; i < 50; i++) h.observe(method, 0.5);
    const before = readHistograms(await registry.metrics(), "grpc_server_handling_seconds", byService).get(
      "x.Y",
    );
    for (let i = 0; i < 100; i++) h.observe(method, 0.005);
    const after = readHistograms(await registry.metrics(), "grpc_server_handling_seconds", byService).get(
      "x.Y",
    );
    assert.ok(before && after);
    const p = windowPoint(1000, 2, before, after);
    assert.equal(p.perSecond, 50);
    // All 100 new calls fall in (1 ms, 10 ms]: the old slow ones do not count.
    assert.ok(p.p99Ms > 1 && p.p99Ms <= 10, String(p.p99Ms));
    assert.ok(p.p50Ms > 1 && p.p50Ms <= 10, String(p.p50Ms));
    assert.equal(quantile(0.99, after, after), 0, "no calls, no latency");
  });

  it("a restarted process (counters back to zero) counts its window from zero", () => {
    const before = { count: 500, sum: 5, buckets: [[Number.POSITIVE_INFINITY, 500]] as [number, number][] };
    const after = {
      count: 20,
      sum: 0.2,
      buckets: [
        [0.1, 20],
        [Number.POSITIVE_INFINITY, 20],
      ] as [number, number][],
    };
    assert.equal(windowPoint(0, 2, before, after).perSecond, 10);
  });
});
