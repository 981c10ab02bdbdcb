import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Plugin } from 'vite';

/** Options for {@link devRoomPlugin}. */
export interface DevRoomPluginOptions {
  /**
   * Publisher bots in the room (they cycle through camera+mic, the A/V sync signal, camera only,
   * mic only and a screen share); 0 leaves the room empty.
   * @defaultValue 3
   */
  bots?: number;
  /** @defaultValue 'grid' */
  layout?: string;
  /**
   * The test SFU's port on 127.0.0.1.
   * @defaultValue 7880
   */
  port?: number;
  /** Room name. @defaultValue 'dev-room' */
  room?: string;
}

/**
 * For `vite` (dev only): starts `@egress/test-sfu`'s `dev-room` (the test SFU with publisher bots)
 * beside the dev server and redirects `/` without a token to the recorder URL it prints, so a
 * template can be developed with hot reload and no LiveKit deployment. Stops it with the server.
 */
export function devRoomPlugin(options: DevRoomPluginOptions = {}): Plugin {
  return {
    name: 'egress-dev-room',
    apply: 'serve',
    configureServer(server) {
      const log = server.config.logger;
      const script = devRoomScript();
      if (!script) {
        log.warn(
          'dev room: @egress/test-sfu is not built; run `pnpm --filter @egress/test-sfu build`, ' +
            'or open the page with your own ?url=&token=',
        );
        return;
      }
      const args = [
        script,
        '--bots',
        String(options.bots ?? 3),
        '--layout',
        options.layout ?? 'grid',
        '--port',
        String(options.port ?? 7880),
        '--room',
        options.room ?? 'dev-room',
        '--exit-with-parent',
      ];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      const query = readRecorderQuery(child, (line) => log.info(`  dev room: ${line}`));
      query
        .then((search) => {
          const page = server.resolvedUrls?.local[0] ?? 'http://127.0.0.1:5173/';
          log.info(`  dev room: open ${page} (it redirects to ?${search.slice(0, 32)}...)`);
        })
        .catch((err: unknown) => log.error(`  dev room: ${String(err)}`));
      const stop = () => {
        if (child.exitCode === null) child.kill('SIGTERM');
      };
      server.httpServer?.once('close', stop);
      process.once('exit', stop);

      server.middlewares.use((req, res, next) => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const isPage = url.pathname === '/' || url.pathname === '/index.html';
        if (req.method !== 'GET' || !isPage || url.searchParams.has('token')) {
          next();
          return;
        }
        // The page itself reads the layout; keep one the developer put in the address.
        query.then(
          (search) => {
            const target = new URLSearchParams(search);
            const layout = url.searchParams.get('layout');
            if (layout) target.set('layout', layout);
            res.statusCode = 302;
            res.setHeader('location', `/?${target.toString()}`);
            res.end();
          },
          () => next(),
        );
      });
    },
  };
}

/** dev-room.js beside `@egress/test-sfu`'s built entry, if it was built. */
function devRoomScript(): string | undefined {
  try {
    const entry = createRequire(import.meta.url).resolve('@egress/test-sfu');
    const script = join(dirname(entry), 'dev-room.js');
    return existsSync(script) ? script : undefined;
  } catch {
    // Not installed or not built: the caller says what to do.
    return undefined;
  }
}

/**
 * Forwards dev-room's human lines to `print` and resolves with the query string of the template
 * URL it prints (`layout`, `token`, `url`); rejects if it exits first.
 */
function readRecorderQuery(child: ChildProcess, print: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!child.stdout) {
      reject(new Error('dev-room has no stdout'));
      return;
    }
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      // rtc-node logs JSON lines to stdout; they are noise here.
      if (line.startsWith('{') || !line.trim() || /^(template URL:|Ctrl-C)/.test(line)) return;
      if (/^https?:\/\/\S+token=/.test(line)) {
        resolve(new URL(line).search.slice(1));
        return;
      }
      print(line);
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`dev-room exited with code ${code}`)));
  });
}
