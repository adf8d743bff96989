import "../helpers/isolation.ts";
// Which account a new Claude session gets: the default while it is available, else the
// first available one, none when every account is limited; and what looks like a limit.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  accountForNewSession,
  addAccount,
  clearLimits,
  looksRateLimited,
  markLimited,
  switchAccount,
} from "../../src/town/accounts.ts";
import { Town } from "../../src/town/workspace.ts";
import { newTown, type TestTown } from "../helpers/town.ts";

describe("accounts for new sessions", () => {
  let t: TestTown;
  let town: Town;

  before(async () => {
    t = await newTown("subprocess");
    town = new Town(t.root);
  });
  after(async () => {
    await t?.cleanup();
  });

  it("picks the default, falls back to an available account, and none when all are limited", () => {
    assert.equal(accountForNewSession(town), undefined, "no accounts: the user's own login");
    const a = addAccount(town, "alpha", { configDir: join(t.scratch, "a") });
    addAccount(town, "beta", { configDir: join(t.scratch, "b") });
    switchAccount(town, "beta");
    assert.equal(accountForNewSession(town)?.handle, "beta");
    markLimited(town, "beta", "usage limit reached");
    assert.deepEqual(accountForNewSession(town), { handle: "alpha", config_dir: a.config_dir });
    markLimited(town, "alpha", "usage limit reached");
    assert.equal(accountForNewSession(town), undefined);
    clearLimits(town, []);
    assert.equal(accountForNewSession(town)?.handle, "beta");
    assert.throws(() => markLimited(town, "gamma", "x"), /no account "gamma"/);
  });

  it("reads a rate limit off a screen, and not ordinary text", () => {
    assert.ok(looksRateLimited("Claude usage limit reached. Your limit will reset at 5pm (UTC)."));
    assert.ok(looksRateLimited("API Error: 429 Too Many Requests"));
    assert.equal(looksRateLimited("limits of the parser; 429 lines changed"), undefined);
  });
});
