// What must hold of the whole system after a fuzz run: every process alive and healthy, the stock
// changed only where an accepted call asked for it, and a valid checkout still goes through.
import type { DatabaseClient } from "@bookstore/db-client";
import { checkHealth } from "@bookstore/kit";
import type { System } from "../../scripts/system.js";

export const DEV_DB_ADMIN_TOKEN = "dev-only-db-admin-token";

export async function stockSnapshot(db: DatabaseClient): Promise<Map<string, string>> {
  const stock = new Map<string, string>();
  let pageToken = "";
  do {
    const page = await db.readAll(DEV_DB_ADMIN_TOKEN, { prefix: "stock:", pageToken, pageSize: 1000 });
    for (const item of page.items) stock.set(item.key, item.value);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return stock;
}

/** Problems with the system's state after the run (empty when all holds). */
export async function systemProblems(
  system: System,
  db: DatabaseClient,
  before: Map<string, string>,
  accepted: { request: string }[],
): Promise<string[]> {
  const problems: string[] = [];
  for (const p of system.processes) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) problems.push(`${p.spec.name} exited`);
    else if ("grpc" in p.spec.ready && (await checkHealth(p.spec.ready.grpc)) !== "SERVING") {
      problems.push(`${p.spec.name} is not SERVING`);
    }
  }
  const after = await stockSnapshot(db);
  for (const [key, value] of before) {
    if (after.get(key) === value) continue;
    const explained = accepted.some((a) => a.request.includes(key));
    if (!explained)
      problems.push(`${key} changed from ${value} to ${after.get(key)} with no accepted call naming it`);
  }
  return problems;
}
