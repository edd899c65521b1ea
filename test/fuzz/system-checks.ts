// What must hold of the whole system after a fuzz run: every process alive and healthy, no order
// but those accepted requests placed, the stock changed only by accepted calls and completed orders.
import type { DatabaseClient } from "@bookstore/db-client";
import { checkHealth } from "@bookstore/kit";
import { JobStatus } from "@bookstore/proto";
import type { System } from "../../scripts/system.js";
import type { ExecutorClient } from "../../services/orchestrator/src/executor-client.js";

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

/**
 * Problems with the system's state after the run (empty when all holds): a process down, an order
 * no accepted request placed, a stock record changed by neither an accepted call naming it nor the
 * completed orders that bought it.
 */
export async function systemProblems(
  system: System,
  clients: { db: DatabaseClient; executor: ExecutorClient },
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
  const jobs = (await clients.executor.listJobs(JobStatus.JOB_STATUS_UNSPECIFIED, 500)).jobs;
  const sold = new Map<string, number>();
  for (const job of jobs) {
    if (!accepted.some((a) => a.request.includes(job.jobId)))
      problems.push(`order ${job.jobId} was placed by no accepted request`);
    if (job.status !== JobStatus.JOB_STATUS_COMPLETED) continue;
    for (const l of job.lines)
      sold.set(`stock:${l.bookId}`, (sold.get(`stock:${l.bookId}`) ?? 0) + l.quantity);
  }
  const after = await stockSnapshot(clients.db);
  for (const [key, value] of before) {
    if (after.get(key) === value) continue;
    const explained =
      Number(after.get(key)) + (sold.get(key) ?? 0) === Number(value) ||
      accepted.some((a) => a.request.includes(key));
    if (!explained)
      problems.push(`${key} changed from ${value} to ${after.get(key)} with no accepted call naming it`);
  }
  return problems;
}
