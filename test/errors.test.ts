// Gas Town's error classes are matched by instanceof in the CLI layer (exit codes, JSON error
// codes). The PostgreSQL ledger runs from a bundle of its own with its own copy of
// src/errors.ts, so an error made by another copy must still match the class of its name.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConflictError, GasTownError, NotFoundError, ValidationError } from "../src/errors.ts";

describe("Gas Town errors across copies of the module", () => {
  it("an error from another copy matches its own class and its parents, and no other", async () => {
    // A query string makes Node load a second, separate instance of the module.
    const copy = (await import(`../src/errors.ts?copy=${Date.now()}`)) as typeof import("../src/errors.ts");
    assert.notEqual(copy.NotFoundError, NotFoundError, "the copy has classes of its own");
    const e = new copy.NotFoundError("t-1");
    assert.ok(e instanceof NotFoundError);
    assert.ok(e instanceof GasTownError);
    assert.ok(e instanceof Error);
    assert.ok(!(e instanceof ValidationError));
    assert.ok(!(e instanceof ConflictError));
    assert.ok(new copy.ValidationError("bad") instanceof ValidationError);
    // Same-named classes that are not Gas Town errors stay apart.
    class NotFoundErrorLookalike extends Error {}
    Object.defineProperty(NotFoundErrorLookalike, "name", { value: "NotFoundError" });
    assert.ok(!(new NotFoundErrorLookalike() instanceof NotFoundError));
    for (const v of [null, "x", 1, {}] as unknown[]) assert.ok(!((v as object) instanceof GasTownError));
    // This module's own classes as before.
    assert.ok(new ValidationError("x") instanceof GasTownError);
    assert.ok(!(new ValidationError("x") instanceof NotFoundError));
  });
});
