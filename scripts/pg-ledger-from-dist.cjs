// Stand-in for src/ledger/postgres/store.ts inside gt's and bd's bundles (wired in
// tsup.config.ts): the PostgreSQL ledger and its client are a bundle of their own,
// dist/pg.cjs, read only when a PostgreSQL ledger is opened, so a SQLite start does not
// read and compile their bytes. The bundles import the module when they start: the getter
// defers the require to the first use of the class.
let ledger;
Object.defineProperty(exports, "PostgresLedger", {
  enumerable: true,
  get() {
    ledger ??= require(require("node:path").join(__dirname, "pg.cjs"));
    return ledger.PostgresLedger;
  },
});
