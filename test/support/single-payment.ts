// The payment service in this process on free ports with its data under `dir`, and a client whose
// calls have deadlines, for tests that need a real payment service but not its own process.
import { join } from "node:path";
import { callUnary, clientFor, createLogger, freePort, parseConfig } from "@bookstore/kit";
import {
  type PaymentBatchOperation,
  PaymentServiceClient,
  type PrepareRequest,
  type TokenizeCardRequest,
} from "@bookstore/proto";
import type { DecisionSource } from "@bookstore/two-phase-commit";
import { configSchema } from "../../services/payment/src/config.js";
import { type RunningPayment, startPayment } from "../../services/payment/src/payment.js";

const logger = createLogger({ service: "payment-test", level: "silent" });

export const TEST_ADMIN_TOKEN = "test-payment-admin-token";

export async function startSinglePayment(
  dir: string,
  env: Record<string, string> = {},
  deps: { decisionSource?: DecisionSource } = {},
): Promise<RunningPayment> {
  const config = parseConfig(configSchema, {
    PAYMENT_PORT: String(await freePort()),
    PAYMENT_ADMIN_PORT: "0",
    PAYMENT_DATA_DIR: join(dir, "payment"),
    PAYMENT_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    ...env,
  });
  return startPayment(config, logger, deps);
}

/** PaymentService calls with a 5 s deadline; only the idempotent ones are retried on UNAVAILABLE. */
export function paymentClient(address: string) {
  const c = clientFor(PaymentServiceClient, address);
  const settings = { deadlineMs: 5000, idempotent: true };
  return {
    tokenize: (req: Partial<TokenizeCardRequest>) =>
      callUnary(
        c,
        c.tokenizeCard,
        { number: "", expirationDate: "", cvv: "", customerId: "", ...req },
        settings,
      ),
    prepare: (req: Partial<PrepareRequest>) =>
      callUnary(
        c,
        c.prepare,
        {
          transactionId: "",
          amount: 0,
          paymentMethod: "",
          customerId: "",
          orderId: "",
          metadata: {},
          amountCents: 0,
          coordinator: "",
          cardToken: "",
          ...req,
        },
        settings,
      ),
    commit: (transactionId: string, paymentId = "") =>
      callUnary(c, c.commit, { transactionId, paymentId }, settings),
    abort: (transactionId: string) => callUnary(c, c.abort, { transactionId }, settings),
    status: (transactionId: string) => callUnary(c, c.getStatus, { transactionId }, settings),
    list: (adminToken: string, pageSize = 0, pageToken = "") =>
      callUnary(c, c.listTransactions, { adminToken, pageSize, pageToken }, settings),
    batch: (operations: PaymentBatchOperation[]) => callUnary(c, c.batch, { operations }, settings),
  };
}
