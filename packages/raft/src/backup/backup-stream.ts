// RaftService/Backup over gRPC: the server side streams a node's exported snapshot in chunks (a
// header first), the client side reassembles and verifies it. Membership travels as "id=address".
import { type BackupChunk, type BackupHeader, type BackupRequest, RaftServiceClient } from "@bookstore/proto";
import { credentials, Metadata, type ServerWritableStream, status } from "@grpc/grpc-js";
import type { ConfState, Snapshot } from "../core/types.js";
import type { RaftNode } from "../node/raft-node.js";
import { type Backup, sha256Hex } from "./backup-file.js";

const CHUNK_BYTES = 1 << 20;

const members = (ids: string[], conf: ConfState) => ids.map((id) => `${id}=${conf.addresses[id] ?? ""}`);

function confOf(h: BackupHeader): ConfState {
  const addresses: Record<string, string> = {};
  const ids = (list: string[]) =>
    list.map((m) => {
      const at = m.indexOf("=");
      const id = at === -1 ? m : m.slice(0, at);
      addresses[id] = at === -1 ? "" : m.slice(at + 1);
      return id;
    });
  return { voters: ids(h.voters), learners: ids(h.learners), addresses };
}

async function write(call: ServerWritableStream<BackupRequest, BackupChunk>, chunk: BackupChunk) {
  if (!call.write(chunk)) await new Promise((resolve) => call.once("drain", resolve));
}

/** Streams `node`'s applied state to the caller (the token was checked by the caller). */
export async function streamBackup(
  node: RaftNode<unknown>,
  call: ServerWritableStream<BackupRequest, BackupChunk>,
): Promise<void> {
  let s: Snapshot;
  try {
    s = await node.exportSnapshot();
  } catch (err) {
    call.emit("error", { code: status.UNAVAILABLE, details: `no snapshot: ${String(err)}` });
    return;
  }
  const header: BackupHeader = {
    nodeId: node.id,
    index: s.index,
    term: s.term,
    voters: members(s.conf.voters, s.conf),
    learners: members(s.conf.learners, s.conf),
    size: s.data.length,
    sha256: sha256Hex(s.data),
  };
  const data = Buffer.from(s.data.buffer, s.data.byteOffset, s.data.length);
  await write(call, { header, data: data.subarray(0, CHUNK_BYTES) });
  for (let at = CHUNK_BYTES; at < data.length; at += CHUNK_BYTES)
    await write(call, { header: undefined, data: data.subarray(at, at + CHUNK_BYTES) });
  call.end();
}

/** Takes a backup from the member at `address`; the data is verified against the header's SHA-256. */
export async function fetchBackup(address: string, adminToken: string, deadlineMs = 60_000): Promise<Backup> {
  const client = new RaftServiceClient(address, credentials.createInsecure());
  try {
    const chunks: Uint8Array[] = [];
    let header: BackupHeader | undefined;
    const stream = client.backup({ adminToken }, new Metadata(), { deadline: Date.now() + deadlineMs });
    for await (const chunk of stream as AsyncIterable<BackupChunk>) {
      header ??= chunk.header;
      chunks.push(chunk.data);
    }
    if (!header) throw new Error(`${address} sent no backup header`);
    const data = Buffer.concat(chunks);
    if (data.length !== header.size || sha256Hex(data) !== header.sha256)
      throw new Error(`the backup from ${address} arrived damaged (${data.length} of ${header.size} bytes)`);
    return {
      nodeId: header.nodeId,
      takenAt: new Date().toISOString(),
      snapshot: { index: header.index, term: header.term, conf: confOf(header), data },
    };
  } finally {
    client.close();
  }
}
