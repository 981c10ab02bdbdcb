// A PulseAudio daemon for a bench: the ambient one (PULSE_RUNTIME_PATH answers), or a private one
// from scripts/services, stopped again by `stop`.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const { env: ENV } = process;

async function pulseAnswers(env: NodeJS.ProcessEnv): Promise<boolean> {
  try {
    await run('pactl', ['info'], { env, timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/** Makes sure a daemon answers at `process.env.PULSE_RUNTIME_PATH` (setting it for a private one). */
export async function ensurePulse(): Promise<{
  pid: number | undefined;
  stop: () => Promise<void>;
}> {
  const ambient = ENV.PULSE_RUNTIME_PATH;
  if (ambient && (await pulseAnswers(ENV))) {
    const pid = Number((await readFile(join(ambient, 'pid'), 'utf8').catch(() => '')).trim());
    return { pid: pid > 0 ? pid : undefined, stop: async () => {} };
  }
  const stateDir = await mkdtemp(join(tmpdir(), 'bench-pulse-'));
  const env = {
    ...ENV,
    EGRESS_STATE_DIR: stateDir,
    PULSE_RUNTIME_PATH: join(stateDir, 'pulse'),
  };
  const script = new URL('../scripts/services', import.meta.url).pathname;
  await run('bash', [script, 'start', 'pulseaudio'], { env });
  ENV.PULSE_RUNTIME_PATH = env.PULSE_RUNTIME_PATH;
  const pid = Number((await readFile(join(stateDir, 'pulseaudio.pid'), 'utf8')).trim());
  return {
    pid,
    stop: async () => {
      await run('bash', [script, 'stop', 'pulseaudio'], { env }).catch(() => undefined);
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
