#!/usr/bin/env node
/**
 * The watchdog: a tiny detached process that outlives the runner. The runner writes to its
 * stdin `+PID` when it starts a process group and `-PID` once it stopped it. When stdin ends —
 * the runner closed it after a clean stop, or the runner died, even by SIGKILL, because the
 * kernel closes its end of the pipe — every group still registered is killed. Node has no
 * parent-death signal; a pipe's end is the one notice that cannot be missed, and it works for
 * targets of any language.
 */
const groups = new Set<number>();
let buffer = '';

function killAll(): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  groups.clear();
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buffer += chunk;
  let newline = buffer.indexOf('\n');
  while (newline >= 0) {
    const line = buffer.slice(0, newline).trim();
    buffer = buffer.slice(newline + 1);
    const pid = Number(line.slice(1));
    if (Number.isInteger(pid) && pid > 1) {
      if (line.startsWith('+')) groups.add(pid);
      else if (line.startsWith('-')) groups.delete(pid);
    }
    newline = buffer.indexOf('\n');
  }
});
process.stdin.on('end', () => {
  killAll();
  process.exit(0);
});
process.stdin.on('error', () => {
  killAll();
  process.exit(0);
});
// The runner's Ctrl-C must not reach us (we run in our own session), but be safe anyway.
process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);
