/*
 * Probing a backend in a short-lived child process. Native drivers report their trouble straight to
 * the process's stderr (Mesa's "XDG_RUNTIME_DIR is invalid", Dawn's Vulkan warnings) where no
 * JavaScript can catch it, so a backend that may be unavailable is tried first where that output is
 * captured: an unavailable backend then prints nothing, and what it printed becomes part of the
 * reason `listBackends()` reports.
 */

/**
 * A check that a backend can start, run in a child Node process before the backend's factory. The
 * script is an ES module's source; it prints why the backend is unavailable on stdout, or nothing
 * when it is available.
 */
export interface BackendProbe {
  script: string;
  /** How long the probe may take before the backend counts as unavailable (default 30 s). */
  timeoutMs?: number;
}

/** What a probe found: `reason` is undefined when the backend can start; `output` is what it wrote to stderr. */
export interface ProbeResult {
  reason: string | undefined;
  output: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** The child-process module where there is one (Node), else undefined: browsers start backends directly. */
function childProcesses(): typeof import('node:child_process') | undefined {
  return typeof process === 'undefined' ? undefined : process.getBuiltinModule?.('node:child_process');
}

/** Whether probes can run here (a Node process). */
export function canProbe(): boolean {
  return childProcesses() !== undefined;
}

/** Runs `probe` in a child Node process with its stdout and stderr captured. */
export function runProbe(probe: BackendProbe): Promise<ProbeResult> {
  const child = childProcesses();
  if (!child) return Promise.resolve({ reason: undefined, output: '' });
  const timeout = probe.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve) => {
    child.execFile(process.execPath, ['--input-type=module', '-e', probe.script], { timeout, encoding: 'utf8' }, (error, stdout, stderr) => {
      const output = stderr.trim();
      if (error) {
        const how = error.killed ? `did not answer within ${timeout} ms` : `exited with ${error.code ?? error.signal ?? 'an error'}`;
        resolve({ reason: `its probe ${how}${output ? `: ${lastLine(output)}` : ''}`, output });
        return;
      }
      const reason = stdout.trim();
      resolve({ reason: reason === '' ? undefined : reason, output });
    });
  });
}

function lastLine(text: string): string {
  const lines = text.split('\n');
  return lines[lines.length - 1] ?? text;
}
