// Stand-in for node:child_process inside commander (wired in tsup.config.ts). commander only
// spawns for executable subcommands, which bd and gt do not use, yet loading the module
// costs ~3 ms on every start; this loads it on first use instead.
module.exports = new Proxy({}, { get: (_target, key) => require("node:child_process")[key] });
