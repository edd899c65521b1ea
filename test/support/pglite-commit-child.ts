// Run under strace by test/pglite-durability.test.ts: opens embedded Postgres in a data directory,
// commits one row, writes the marker `<dataDir>.committed`, flushes when asked to ("flush"), then
// writes `<dataDir>.ack`, standing for the moment a service would answer. The test reads which
// syncs reached the kernel between the two markers.
import { writeFileSync } from "node:fs";
import { openDatabase } from "../../services/suggestions/src/db/database.js";

const [dataDir, mode] = process.argv.slice(2) as [string, string];
const db = await openDatabase({ dataDir });
await db.exec("CREATE TABLE IF NOT EXISTS purchases_probe (order_id text PRIMARY KEY)");
await db.query("INSERT INTO purchases_probe VALUES ($1)", [`o-${mode}`]);
writeFileSync(`${dataDir}.committed`, "");
if (mode === "flush") await db.flush();
writeFileSync(`${dataDir}.ack`, "");
await db.close();
