// A lean HTTP client for load generators: node:http over kept-alive connections. fetch (undici)
// costs several times more CPU per request, and the load generator shares the cores with the
// system it measures.
import { Agent, request } from "node:http";

const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

export interface HttpAnswer {
  status: number;
  body: string;
}

/** One request; resolves with the whole answer (an event stream: once the server ends it). */
export function httpRequest(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? "GET", headers: o.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(o.body);
  });
}
