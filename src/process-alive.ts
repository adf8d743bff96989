// Whether a process still runs, by PID: the test behind stale locks, stale temp files and
// slings whose process was killed. EPERM means it runs under another user.
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
