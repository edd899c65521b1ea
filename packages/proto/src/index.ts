// The generated contracts (proto/bookstore/v1/*.proto -> buf generate -> ts-proto). Regenerate with
// `npm run proto:gen`; `npm run proto:check` fails when the committed code is stale.
export * from "./gen/bookstore/v1/common.js";
export * from "./gen/bookstore/v1/database.js";
export * from "./gen/bookstore/v1/echo.js";
export * from "./gen/bookstore/v1/fraud_detection.js";
export * from "./gen/bookstore/v1/order_executor.js";
export * from "./gen/bookstore/v1/payment.js";
export * from "./gen/bookstore/v1/raft.js";
export * from "./gen/bookstore/v1/suggestions.js";
export * from "./gen/bookstore/v1/transaction_verification.js";
