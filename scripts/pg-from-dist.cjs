// Stand-in for "pg" inside gt's and bd's bundles (wired in tsup.config.ts): the PostgreSQL
// client is a bundle of its own, dist/pg.cjs, read only by a process that opens a PostgreSQL
// ledger, so every SQLite start does not read and compile its bytes.
const file = require("node:path").join(__dirname, "pg.cjs");
module.exports = require(file);
