// freePort: ports outside the range outgoing connections take their local ports from, never the
// same one twice in a process, and actually free.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { describe, it } from "node:test";
import { freePort, portInUse } from "../src/ports.js";

describe("freePort", () => {
  it("hands out distinct, bindable ports below the ephemeral range", async () => {
    const ports = await Promise.all(Array.from({ length: 50 }, () => freePort()));
    assert.equal(new Set(ports).size, 50);
    for (const p of ports) assert.ok(p >= 20_000 && p < 32_768, String(p));
    assert.equal(await portInUse(ports), undefined);
  });

  it("portInUse names a port something listens on", async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    try {
      assert.equal(await portInUse([port]), port);
    } finally {
      server.close();
    }
  });
});
