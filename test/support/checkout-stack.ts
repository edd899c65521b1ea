// The checkout path with real services: transaction-verification and fraud-detection gRPC
// servers and the orchestrator's HTTP server, in this process on free ports, so a test can
// also wrap a handler (slow it down, see cancellation) or stop a service.
import { loadCatalog } from "@bookstore/catalog";
import {
  checkHealth,
  clientFor,
  closeAllClients,
  createLogger,
  type RunningGrpcServer,
  startGrpcServer,
} from "@bookstore/kit";
import { FraudDetectionServiceClient, TransactionVerificationServiceClient } from "@bookstore/proto";
import { defaultFraudConfig, VelocityTracker } from "../../services/fraud-detection/src/scoring/index.js";
import {
  createFraudStore,
  type FraudHandlers,
  fraudDetectionService,
  fraudHandlers,
} from "../../services/fraud-detection/src/service.js";
import { buildApp } from "../../services/orchestrator/src/app.js";
import { CheckoutFlow } from "../../services/orchestrator/src/checkout-flow.js";
import {
  createVerificationStore,
  transactionVerificationService,
  type VerificationHandlers,
  verificationHandlers,
} from "../../services/transaction-verification/src/service.js";

export const catalog = loadCatalog();

/** Every log line of the stack, to check what never appears in one. */
export const logLines: string[] = [];
const logger = createLogger({
  service: "test",
  level: "debug",
  destination: { write: (l) => logLines.push(l) },
});

export type VerificationOverrides = (handlers: VerificationHandlers) => Partial<VerificationHandlers>;
export type FraudOverrides = (handlers: FraudHandlers) => Partial<FraudHandlers>;

export interface StackOptions {
  /** Replaces some handlers of the real service (e.g. a slow one that records cancellation). */
  verification?: VerificationOverrides;
  fraud?: FraudOverrides;
  callDeadlineMs?: number;
}

export async function startCheckoutStack(options: StackOptions = {}) {
  const tvStore = createVerificationStore(60_000);
  const fdStore = createFraudStore(60_000);
  const tvOptions = { store: tvStore, maxItemQuantity: 100 };
  const tvHandlers = verificationHandlers(tvOptions);
  const fdOptions = { store: fdStore, velocity: new VelocityTracker(), config: defaultFraudConfig };
  const fdHandlers = fraudHandlers(fdOptions);
  const tv: RunningGrpcServer = await startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    services: [
      transactionVerificationService(tvOptions, { ...tvHandlers, ...options.verification?.(tvHandlers) }),
    ],
    logger,
    drainTimeoutMs: 200,
  });
  const fd: RunningGrpcServer = await startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    services: [fraudDetectionService(fdOptions, { ...fdHandlers, ...options.fraud?.(fdHandlers) })],
    logger,
    drainTimeoutMs: 200,
  });
  const tvAddr = `127.0.0.1:${tv.port}`;
  const fdAddr = `127.0.0.1:${fd.port}`;
  const flow = new CheckoutFlow(
    {
      verification: clientFor(TransactionVerificationServiceClient, tvAddr),
      fraud: clientFor(FraudDetectionServiceClient, fdAddr),
    },
    { callDeadlineMs: options.callDeadlineMs ?? 2000, cleanupAttempts: 5 },
    logger,
  );
  const app = await buildApp({
    catalog,
    flow,
    fingerprintKey: "test-fingerprint-key-0123456789",
    logger,
    health: async () => ({
      "transaction-verification": await checkHealth(tvAddr),
      "fraud-detection": await checkHealth(fdAddr),
      suggestions: "NOT_DEPLOYED",
    }),
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const baseUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return {
    baseUrl,
    tv,
    fd,
    tvAddr,
    fdAddr,
    tvStore,
    fdStore,
    async close() {
      await app.close();
      await Promise.all([tv.close(), fd.close()]);
      closeAllClients();
    },
  };
}

export type CheckoutStack = Awaited<ReturnType<typeof startCheckoutStack>>;

let customers = 0;

/** A Luhn-valid Visa number of its own for each call, so velocity rules see distinct cards. */
function freshCard(): string {
  const payload = `4${String(Date.now() % 1e9).padStart(9, "0")}${String(customers).padStart(5, "0")}`;
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    let d = Number(payload[payload.length - 1 - i]);
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return payload + String((10 - (sum % 10)) % 10);
}

/** A checkout body every rule accepts, from a customer and card not seen before. */
export function validBody(overrides: Record<string, unknown> = {}) {
  customers++;
  return {
    user: { name: "John Doe", contact: `john.doe+${customers}@example.com` },
    creditCard: { number: freshCard(), expirationDate: "12/30", cvv: "123" },
    userComment: "Please handle with care.",
    items: [{ name: "The Hobbit", quantity: 1 }],
    billingAddress: { street: "123 Main St", city: "Springfield", state: "IL", zip: "62701", country: "USA" },
    shippingMethod: "Standard",
    giftWrapping: false,
    termsAndConditionsAccepted: true,
    ...overrides,
  };
}

export async function post(
  baseUrl: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

export async function getJson(url: string) {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}
