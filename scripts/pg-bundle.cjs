// Entry of dist/pg.cjs (see scripts/pg-from-dist.cjs): the pg package, bundled once.
module.exports = require("pg");
