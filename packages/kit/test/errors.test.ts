import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AppError, GrpcStatus, httpStatusFor, toServiceError, violationsOf } from "../src/index.js";

describe("errors as values", () => {
  it("map to HTTP statuses in one place", () => {
    assert.equal(httpStatusFor(GrpcStatus.INVALID_ARGUMENT), 400);
    assert.equal(httpStatusFor(GrpcStatus.NOT_FOUND), 404);
    assert.equal(httpStatusFor(GrpcStatus.FAILED_PRECONDITION), 422);
    assert.equal(httpStatusFor(GrpcStatus.UNAVAILABLE), 503);
    assert.equal(httpStatusFor(GrpcStatus.DEADLINE_EXCEEDED), 504);
    assert.equal(httpStatusFor(GrpcStatus.INTERNAL), 500);
  });

  it("carry field violations across gRPC", () => {
    const sent = toServiceError(AppError.invalid([{ field: "key", message: "key must not be empty" }]));
    assert.equal(sent.code, GrpcStatus.INVALID_ARGUMENT);
    assert.equal(sent.details, "key: key must not be empty");
    assert.deepEqual(violationsOf(sent as Parameters<typeof violationsOf>[0]), [
      { field: "key", message: "key must not be empty" },
    ]);
  });

  it("hide unexpected errors as INTERNAL", () => {
    const sent = toServiceError(new TypeError("secret internals"));
    assert.equal(sent.code, GrpcStatus.INTERNAL);
    assert.equal(sent.details, "internal error");
  });
});
