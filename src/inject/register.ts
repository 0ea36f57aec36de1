/**
 * The in-process injector's entry point, loaded into a Node.js target with
 * `--import=<file URL of dist/src/inject/register.js>` in its NODE_OPTIONS (protocol.ts shows
 * how the runner does it). It runs inside someone else's process: it imports only node:
 * builtins and its own folder, talks only over the IPC channel, and without one (a process
 * that inherited NODE_OPTIONS but is not the runner's child) it loads nothing and does nothing.
 */
if (typeof process.send === 'function') {
  try {
    const { startInjector } = await import('./injector.js');
    startInjector();
  } catch (error) {
    // Never keep the target from starting; the runner sees no hello and reports it.
    process.stderr.write(`faultline: the in-process injector did not start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

export {};
