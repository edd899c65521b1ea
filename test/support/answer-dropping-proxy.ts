// A TCP proxy in front of a server that can lose one answer on purpose: once armed, the next
// request bytes it forwards reach the server, but nothing comes back on that connection, which is
// then cut — what a client sees when a link fails after its request got through. The caller cannot
// tell whether the request took effect: exactly the case retries must be safe for.
import net from "node:net";

export interface AnswerDroppingProxy {
  address: string;
  /** The next request forwarded is answered into the void, and its connection cut `afterMs` later. */
  loseNextAnswer(afterMs?: number): void;
  /** How many answers were lost so far. */
  lost: number;
  close(): Promise<void>;
}

export async function startAnswerDroppingProxy(target: {
  host: string;
  port: number;
}): Promise<AnswerDroppingProxy> {
  let armed: number | undefined;
  const sockets = new Set<net.Socket>();
  const proxy: AnswerDroppingProxy = {
    address: "",
    lost: 0,
    loseNextAnswer(afterMs = 300) {
      armed = afterMs;
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    let dropping = false;
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on("data", (chunk) => {
      if (armed !== undefined && !dropping) {
        dropping = true;
        proxy.lost++;
        setTimeout(() => client.destroy(), armed);
        armed = undefined;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (!dropping) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return proxy;
}
