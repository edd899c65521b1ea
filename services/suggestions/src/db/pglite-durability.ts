// Durability for embedded Postgres. PGlite writes its files through Emscripten's Node filesystem,
// whose fsync does nothing (with `fsync = on`, strace shows no fsync or fdatasync reaching the
// kernel), so a commit has reached the operating system but not the disk. This module does what
// Postgres's own fsyncs would: after a commit, the write-ahead log is flushed (it holds every change
// since the last checkpoint, which is what recovery replays); when a checkpoint happened (Postgres
// rewrote pg_control, and may have recycled WAL that the data files now replace), every file of
// the data directory is flushed too.
import type { Stats } from "node:fs";
import { type FileHandle, open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";

/** fsync (data and metadata) of one file or directory; one removed since it was listed needs none. */
async function syncPath(path: string, dataOnly: boolean): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  try {
    await (dataOnly ? handle.datasync() : handle.sync());
  } finally {
    await handle.close();
  }
}

/** Every file under `dir`, then `dir` and its subdirectories (so new and renamed names persist). */
async function syncTree(dir: string): Promise<void> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => join(e.parentPath, e.name));
  for (const file of files) await syncPath(file, true);
  for (const d of [...dirs, dir]) await syncPath(d, false);
}

/** The WAL segments' contents, then the directory (a segment created or renamed since). */
async function syncWal(dataDir: string): Promise<void> {
  const wal = join(dataDir, "pg_wal");
  const entries = await readdir(wal, { withFileTypes: true });
  for (const e of entries) if (e.isFile()) await syncPath(join(wal, e.name), true);
  await syncPath(wal, false);
}

const controlStamp = (s: Stats) => `${s.mtimeMs}:${s.size}:${s.ino}`;

/**
 * `flush()` makes every write PGlite has committed so far durable. A call joins a flush that has not
 * started yet (it will see this commit) or queues the next one, so a burst of commits costs two
 * flushes, not one each, and no caller is answered by a flush that began before its commit.
 */
export class PgliteDurability {
  private tail: Promise<void> = Promise.resolve();
  /** The flush queued behind the running one, not started yet. */
  private queued: Promise<void> | undefined;
  private lastControl = "";

  constructor(private readonly dataDir: string) {}

  /** Flushes the whole data directory: at open (recovery may have written) and after bulk work. */
  async syncAll(): Promise<void> {
    this.lastControl = controlStamp(await stat(join(this.dataDir, "global", "pg_control")));
    await syncTree(this.dataDir);
  }

  flush(): Promise<void> {
    if (this.queued) return this.queued;
    const run = this.tail
      .catch(() => {}) // the previous flush's callers saw its error
      .then(() => {
        this.queued = undefined;
        return this.flushOnce();
      });
    this.queued = run;
    this.tail = run;
    return run;
  }

  private async flushOnce(): Promise<void> {
    const control = controlStamp(await stat(join(this.dataDir, "global", "pg_control")));
    if (control !== this.lastControl) return this.syncAll();
    await syncWal(this.dataDir);
  }
}
