// Stock for load runs: every book plentiful, so that orders fail only for the card (5% of random
// cards are declined), however many a run places.
import { loadCatalog } from "@bookstore/catalog";
import { DatabaseClient, ValueType } from "@bookstore/db-client";

export async function restock(dbPorts: readonly number[]): Promise<void> {
  const db = new DatabaseClient({ addresses: dbPorts.map((p) => `127.0.0.1:${p}`) });
  await Promise.all(
    loadCatalog().books.map((b) => db.write(`stock:${b.id}`, "1000000", ValueType.VALUE_TYPE_INT)),
  );
}
