// Test-only fault points: a test that must prove a command survives kill -9 at an exact
// moment names the point, and every run of the test hits that window (no random delays).
//   GT_TEST_CRASH=<point>: the process SIGKILLs itself there.
//   GT_TEST_PAUSE=<point> with GT_TEST_PAUSE_FILE=<path>: it writes the file (its pid) and
//   blocks, for GT_TEST_PAUSE_MS or until killed, so the test can look at the files at that
//   moment, kill it there or race it.
// Without these variables (every real run) a no-op. Each call passes a different point, and
// this list names them all (grep testPause src/ to check it):
//   sling:checked         src/work/sling.ts: hookOne has read the bead and chosen the agent,
//                         nothing written yet
//   sling:resume-checked  src/work/sling.ts: a re-sling decided to resume a dead holder's bead,
//                         its compare-and-swap not written yet
//   sling:hooked          src/work/sling.ts: the bead is hooked, its sandbox and session not made
//   sandbox:switched      src/work/polecats.ts: a reused sandbox checked out the bead's branch,
//                         not yet verified clean
//   done:pushed           src/work/done.ts: the branch is on origin, no merge request filed yet
//   done:mr-filed         src/work/done.ts: the merge request is filed, the bead still on the hook
//   done:hook-released    src/work/done.ts: the hook is released, the sandbox not yet tidied
//   refinery:merging      src/refinery/engine.ts: landing marks (phase merging) written, not pushed
//   refinery:pushed       src/refinery/engine.ts: the target is pushed, nothing closed yet
//   refinery:landed       src/refinery/engine.ts: landed and closed, merged branches not deleted
//   ledger:committed      src/ledger/sqlite/store.ts: a write committed, issues.jsonl not refreshed
//   ledger:jsonl-written  src/ledger/sqlite/export.ts: the new export in its temp file (and the
//                         own-export marker written), issues.jsonl not yet replaced
//   ledger:jsonl-renamed  src/ledger/sqlite/export.ts: issues.jsonl replaced, the export's
//                         transaction (export_pending cleared, fingerprint) not committed
//   lock:judged-stale     src/town/lock.ts: a lock's owner was judged gone, the lock not removed
import { writeFileSync } from "node:fs";

export function testPause(point: string): void {
  if (process.env.GT_TEST_CRASH === point) {
    process.kill(process.pid, "SIGKILL");
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  }
  const file = process.env.GT_TEST_PAUSE_FILE;
  if (!file || process.env.GT_TEST_PAUSE !== point) return;
  writeFileSync(file, `${process.pid}\n`);
  const ms = Number(process.env.GT_TEST_PAUSE_MS);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms > 0 ? ms : undefined);
}
