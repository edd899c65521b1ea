// Runs the operations of a Batch call, each through the same handler as its own call would, and
// turns each outcome (response or error) into a BatchResult. The handlers run concurrently: their
// proposals reach the Raft loop in the same turn and are appended as one batch.
import { AppError, toServiceError } from "@bookstore/kit";
import type {
  AbortStockRequest,
  AbortStockResponse,
  BatchOperation,
  BatchResult,
  CommitStockRequest,
  CommitStockResponse,
  DecrementStockRequest,
  DecrementStockResponse,
  IncrementStockRequest,
  IncrementStockResponse,
  PrepareStockRequest,
  PrepareStockResponse,
  ReadRequest,
  ReadResponse,
  WriteRequest,
  WriteResponse,
} from "@bookstore/proto";
import { status as GrpcStatus, type Metadata } from "@grpc/grpc-js";

export const MAX_BATCH_OPERATIONS = 1000;

export interface BatchHandlers {
  read(req: ReadRequest): Promise<ReadResponse>;
  write(req: WriteRequest): Promise<WriteResponse>;
  decrementStock(req: DecrementStockRequest): Promise<DecrementStockResponse>;
  incrementStock(req: IncrementStockRequest): Promise<IncrementStockResponse>;
  prepareStock(req: PrepareStockRequest): Promise<PrepareStockResponse>;
  commitStock(req: CommitStockRequest): Promise<CommitStockResponse>;
  abortStock(req: AbortStockRequest): Promise<AbortStockResponse>;
}

export async function runBatch(
  operations: readonly BatchOperation[],
  handlers: BatchHandlers,
): Promise<BatchResult[]> {
  if (operations.length > MAX_BATCH_OPERATIONS) {
    throw AppError.invalid([
      { field: "operations", message: `at most ${MAX_BATCH_OPERATIONS} operations in one batch` },
    ]);
  }
  return Promise.all(operations.map((op, i) => runOne(op, i, handlers)));
}

async function runOne(op: BatchOperation, index: number, h: BatchHandlers): Promise<BatchResult> {
  try {
    const o = op.operation;
    switch (o?.$case) {
      case "read":
        return ok({ $case: "read", value: await h.read(o.value) });
      case "write":
        return ok({ $case: "write", value: await h.write(o.value) });
      case "decrementStock":
        return ok({ $case: "decrementStock", value: await h.decrementStock(o.value) });
      case "incrementStock":
        return ok({ $case: "incrementStock", value: await h.incrementStock(o.value) });
      case "prepareStock":
        return ok({ $case: "prepareStock", value: await h.prepareStock(o.value) });
      case "commitStock":
        return ok({ $case: "commitStock", value: await h.commitStock(o.value) });
      case "abortStock":
        return ok({ $case: "abortStock", value: await h.abortStock(o.value) });
      default:
        throw AppError.invalid([{ field: `operations[${index}]`, message: "no operation is set" }]);
    }
  } catch (error) {
    const e = toServiceError(error);
    return {
      code: e.code ?? GrpcStatus.INTERNAL,
      errorMessage: e.details ?? "internal error",
      errorMetadata: metadataRecord(e.metadata),
      response: undefined,
    };
  }
}

function ok(response: BatchResult["response"]): BatchResult {
  return { code: GrpcStatus.OK, errorMessage: "", errorMetadata: {}, response };
}

function metadataRecord(metadata: Metadata | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, values] of Object.entries(metadata?.getMap() ?? {})) {
    if (typeof values === "string") out[key] = values;
  }
  return out;
}
