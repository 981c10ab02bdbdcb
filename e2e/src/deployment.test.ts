import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  assertServiceConfig,
  type Config,
  loadConfig,
  POOLS,
  parseGoDuration,
  QUEUE_NAMES,
} from '@egress/protocol';
import { parse, parseAllDocuments } from 'yaml';

// Docker, a Kubernetes cluster and KEDA cannot run here: these tests check what can be checked
// without them (the files parse, agree with each other and with the code), and say so.

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dockerDir = path.join(repoRoot, 'docker');
const k8sDir = path.join(repoRoot, 'deploy', 'k8s');
const packageListPath = path.join(repoRoot, 'scripts', 'system-packages.txt');
const installScript = path.join(dockerDir, 'install-system-packages');

const APPS = ['bridge', 'composite-worker', 'track-worker'] as const;
const WORKERS = { composite: 'composite-worker', track: 'track-worker' } as const;

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown, what: string): Json {
  assert.ok(isRecord(value), `${what}: expected a map`);
  return value;
}

function list(value: unknown, what: string): unknown[] {
  assert.ok(Array.isArray(value), `${what}: expected a list`);
  return value;
}

function text(value: unknown, what: string): string {
  assert.equal(typeof value, 'string', `${what}: expected a string`);
  return value as string;
}

/** The package names of scripts/system-packages.txt, read the way scripts/setup reads them. */
function systemPackages(): string[] {
  return readFileSync(packageListPath, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').replace(/\s/g, ''))
    .filter((name) => name !== '');
}

/** Loads a config the way the services do, collecting warnings instead of printing them. */
function loadWithWarnings(env: Record<string, string>): { config: Config; warnings: string[] } {
  const warnings: string[] = [];
  const config = loadConfig(env, { onWarning: (m) => warnings.push(m), cwd: repoRoot });
  return { config, warnings };
}

const DEFAULT_SHUTDOWN_GRACE_SEC = loadConfig({}, { onWarning: () => {} }).shutdownGraceMs / 1000;

// ---------------------------------------------------------------------------------------------
// Dockerfiles

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  name: string;
  isFinal: boolean;
  instructions: Instruction[];
}

/** Splits a Dockerfile into stages of instructions, continuation lines joined, comments gone. */
function parseDockerfile(source: string): Stage[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of source.split('\n')) {
    const line = raw.trimEnd();
    if (current === '' && /^\s*#/.test(line)) continue;
    if (/^\s*#/.test(line)) continue; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    if (current.trim() !== '') logical.push(current.trim());
    current = '';
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    const match = /^(\S+)\s*(.*)$/.exec(line);
    if (!match) continue;
    const keyword = (match[1] ?? '').toUpperCase();
    const args = match[2] ?? '';
    if (keyword === 'FROM') {
      const name = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? String(stages.length);
      stages.push({ name, isFinal: false, instructions: [] });
    } else if (keyword !== 'ARG' || stages.length > 0) {
      const stage = stages.at(-1);
      assert.ok(stage, `${keyword} before the first FROM`);
      stage.instructions.push({ keyword, args });
    }
  }
  const last = stages.at(-1);
  if (last) last.isFinal = true;
  return stages;
}

/** Splits a shell word list, honouring single and double quotes (enough for our RUN lines). */
function shellWords(command: string): string[] {
  const words: string[] = [];
  const pattern = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (const m of command.matchAll(pattern)) words.push(m[1] ?? m[2] ?? m[3] ?? '');
  return words;
}

/** RUN commands split into their `&&` / `;` steps, without BuildKit `--mount` flags. */
function runSteps(stage: Stage): string[] {
  return stage.instructions
    .filter((i) => i.keyword === 'RUN')
    .flatMap((i) => i.args.split(/&&|;/))
    .map((step) => step.replace(/--mount=\S+/g, '').trim())
    .filter((step) => step !== '');
}

interface PackageInstall {
  stage: Stage;
  /** Packages selected from the shared list, as the install script prints them. */
  fromList: string[];
  /** Packages an `apt-get install` names itself. */
  named: string[];
}

/** Every Debian package install of a Dockerfile, with what it installs. */
function packageInstalls(stages: Stage[]): PackageInstall[] {
  const installs: PackageInstall[] = [];
  for (const stage of stages) {
    const copies = stage.instructions
      .filter((i) => i.keyword === 'COPY')
      .map((i) => shellWords(i.args).filter((w) => !w.startsWith('--')));
    for (const step of runSteps(stage)) {
      const words = shellWords(step);
      const at = words.findIndex((w) => w.endsWith('install-system-packages'));
      if (at >= 0) {
        const [listArg, ...options] = words.slice(at + 1);
        const listInImage = text(listArg, `${stage.name}: install-system-packages LIST`);
        const copied = copies.some(
          (c) => c.length === 2 && c[0] === 'scripts/system-packages.txt' && c[1] === listInImage,
        );
        assert.ok(copied, `${stage.name}: ${listInImage} is not scripts/system-packages.txt`);
        const printed = execFileSync(
          'bash',
          [installScript, packageListPath, ...options, '--print'],
          {
            encoding: 'utf8',
          },
        );
        installs.push({ stage, fromList: printed.split('\n').filter(Boolean), named: [] });
        continue;
      }
      if (/\b(apt-get|apt|aptitude|dpkg)\b/.test(step) && words.includes('install')) {
        const named = words.slice(words.indexOf('install') + 1).filter((w) => !w.startsWith('-'));
        installs.push({ stage, fromList: [], named });
      }
    }
  }
  return installs;
}

function dockerfileOf(app: string): Stage[] {
  return parseDockerfile(readFileSync(path.join(dockerDir, `${app}.Dockerfile`), 'utf8'));
}

function installedBy(stages: Stage[], which: 'final' | 'build'): Set<string> {
  const installs = packageInstalls(stages).filter((i) =>
    which === 'final' ? i.stage.isFinal : !i.stage.isFinal,
  );
  return new Set(installs.flatMap((i) => [...i.fromList, ...i.named]));
}

describe('Dockerfiles (static checks: no Docker here, nothing is built)', () => {
  const listed = new Set(systemPackages());
  const gstreamerRuntime = [...listed].filter((name) => name.startsWith('gstreamer1.0-'));
  const headers = [...listed].filter((name) => name.endsWith('-dev'));

  it('has one Dockerfile per app and nothing else', () => {
    const found = readdirSync(dockerDir).filter((f) => f.endsWith('.Dockerfile'));
    assert.deepEqual(found.sort(), APPS.map((app) => `${app}.Dockerfile`).sort());
  });

  for (const app of APPS) {
    it(`${app}: installs Debian packages only from scripts/system-packages.txt`, () => {
      for (const install of packageInstalls(dockerfileOf(app))) {
        for (const name of install.fromList) assert.ok(listed.has(name), `${name} is not listed`);
        for (const name of install.named) {
          assert.fail(
            `${app}: stage ${install.stage.name} names ${name} itself; add it to scripts/system-packages.txt`,
          );
        }
      }
    });

    it(`${app}: builds from node:20-bookworm-slim with pnpm from packageManager`, () => {
      const source = readFileSync(path.join(dockerDir, `${app}.Dockerfile`), 'utf8');
      assert.match(source, /^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
      const stages = dockerfileOf(app);
      assert.ok(stages.length >= 2, 'multi-stage');
      const build = stages[0];
      assert.ok(build);
      const steps = runSteps(build).join('\n');
      assert.match(steps, /"pnpm@\$\(node -p "require\('\.\/package\.json'\)\.packageManager/);
      assert.match(steps, /pnpm install --frozen-lockfile/);
      assert.match(steps, new RegExp(`pnpm deploy --filter @egress/${app} --prod`));
      const env = build.instructions.filter((i) => i.keyword === 'ENV').map((i) => i.args);
      assert.ok(
        env.some((e) => /npm_config_nodedir=\/usr\/local\b/.test(e)),
        'node-gyp must find Node headers',
      );
    });

    it(`${app}: runs node dist/main.js as the non-root node user`, () => {
      const final = dockerfileOf(app).at(-1);
      assert.ok(final);
      const last = (keyword: string) =>
        final.instructions.filter((i) => i.keyword === keyword).at(-1)?.args;
      assert.equal(last('USER'), 'node');
      assert.equal(last('CMD'), '["node", "dist/main.js"]');
      assert.equal(last('WORKDIR'), `/srv/egress/apps/${app}`);
      const copies = final.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
      assert.ok(copies.includes(`--from=build /deploy/${app} /srv/egress/apps/${app}`));
    });
  }

  it('gives the composite runtime Chromium, Xvfb, PulseAudio and every GStreamer package', () => {
    const runtime = installedBy(dockerfileOf('composite-worker'), 'final');
    for (const name of [
      'chromium',
      'xvfb',
      'pulseaudio',
      'pulseaudio-utils',
      ...gstreamerRuntime,
    ]) {
      assert.ok(runtime.has(name), `composite runtime lacks ${name}`);
    }
    for (const name of headers) assert.ok(!runtime.has(name), `${name} in the composite runtime`);
  });

  it('gives the track runtime GStreamer only, and its build stage nothing to compile with', () => {
    const stages = dockerfileOf('track-worker');
    // its production dependencies have no native build (the appsrc binding is bench/'s)
    assert.equal(installedBy(stages, 'build').size, 0);
    const runtime = installedBy(stages, 'final');
    for (const name of gstreamerRuntime)
      assert.ok(runtime.has(name), `track runtime lacks ${name}`);
    for (const name of [...headers, 'chromium', 'xvfb', 'redis-server']) {
      assert.ok(!runtime.has(name), `${name} in the track runtime`);
    }
  });

  it('installs no Debian packages into the bridge', () => {
    assert.equal(installedBy(dockerfileOf('bridge'), 'final').size, 0);
  });

  it('copies the built templates and scripts/services into the composite image', () => {
    const final = dockerfileOf('composite-worker').at(-1);
    assert.ok(final);
    const copies = final.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    assert.ok(
      copies.includes('--from=build /src/apps/templates/dist /srv/egress/apps/templates/dist'),
    );
    assert.ok(copies.includes('scripts/services /srv/egress/scripts/services'));
  });

  it('keeps installed and built files out of the build context', () => {
    const ignored = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['**/node_modules', '**/dist', '.local', 'out']) {
      assert.ok(ignored.includes(entry), `.dockerignore lacks ${entry}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// compose.yaml

/** A `node -e <script>` probe of /health on `port`, whose script is valid JavaScript. */
function assertHealthProbe(command: unknown[], port: number): void {
  assert.deepEqual(command.slice(0, 2), ['node', '-e']);
  const script = text(command[2], 'probe script');
  assert.equal(command.length, 3);
  assert.ok(script.includes(`'http://127.0.0.1:${port}/health'`), script);
  // Compiles the script without running it: a YAML slip (a plain scalar cut at ': ') shows here.
  assert.doesNotThrow(() => new Function(script), script);
}

function readYaml(file: string): unknown {
  return parse(readFileSync(file, 'utf8'), { merge: true, uniqueKeys: true });
}

describe('docker/compose.yaml (static checks: no Docker here, nothing is started)', () => {
  const compose = record(readYaml(path.join(dockerDir, 'compose.yaml')), 'compose.yaml');
  const services = record(compose.services, 'services');
  const service = (name: string) => record(services[name], `services.${name}`);
  const configPath = path.join(dockerDir, 'egress.yaml');

  it('runs livekit-server, Redis, MinIO with its bucket init, and the three apps', () => {
    for (const name of ['livekit', 'redis', 'minio', 'minio-init', ...APPS]) {
      assert.ok(isRecord(services[name]), `no service ${name}`);
    }
    assert.match(text(service('livekit').image, 'livekit.image'), /^livekit\/livekit-server:/);
    assert.match(text(service('minio-init').image, 'minio-init.image'), /^minio\/mc:/);
  });

  for (const app of APPS) {
    it(`builds ${app} from docker/${app}.Dockerfile with the mounted egress.yaml`, () => {
      const build = record(service(app).build, `${app}.build`);
      assert.equal(build.context, '..');
      assert.equal(build.dockerfile, `docker/${app}.Dockerfile`);
      const env = record(service(app).environment, `${app}.environment`);
      const target = text(env.EGRESS_CONFIG_FILE, 'EGRESS_CONFIG_FILE');
      const volumes = list(service(app).volumes, `${app}.volumes`);
      assert.ok(
        volumes.includes(`./egress.yaml:${target}:ro`),
        `${app} does not mount egress.yaml`,
      );
    });
  }

  it('loads egress.yaml with loadConfig, with no warnings, ready for every service', () => {
    const { config, warnings } = loadWithWarnings({ EGRESS_CONFIG_FILE: configPath });
    assert.deepEqual(warnings, []);
    assertServiceConfig(config, { needs: ['redis', 'apiKeys', 'wsUrl'] });
  });

  it('health-checks every long-running service, the apps on their health_port', () => {
    const { config } = loadWithWarnings({ EGRESS_CONFIG_FILE: configPath });
    for (const [name, value] of Object.entries(services)) {
      if (name === 'minio-init') continue;
      const check = record(record(value, name).healthcheck, `${name}.healthcheck`);
      const test = list(check.test, `${name}.healthcheck.test`);
      if ((APPS as readonly string[]).includes(name)) {
        assertHealthProbe(test.slice(1), config.healthPort);
      }
    }
  });

  it('gives livekit-server the same key pair and Redis as egress', () => {
    const { config } = loadWithWarnings({ EGRESS_CONFIG_FILE: configPath });
    const livekit = record(readYaml(path.join(dockerDir, 'livekit.yaml')), 'livekit.yaml');
    assert.deepEqual(livekit.keys, { [config.apiKey]: config.apiSecret });
    assert.equal(record(livekit.redis, 'livekit.redis').address, config.redis?.address);
    assert.equal(new URL(config.wsUrl).host, `livekit:${livekit.port}`);
  });

  it('uploads to the MinIO bucket that minio-init creates, with MinIO credentials', () => {
    const { config } = loadWithWarnings({ EGRESS_CONFIG_FILE: configPath });
    const s3 = config.storage?.s3;
    assert.ok(s3, 'egress.yaml has no storage.s3');
    const minioEnv = record(service('minio').environment, 'minio.environment');
    assert.equal(s3.accessKey, minioEnv.MINIO_ROOT_USER);
    assert.equal(s3.secret, minioEnv.MINIO_ROOT_PASSWORD);
    assert.equal(new URL(s3.endpoint).host, 'minio:9000');
    const init = list(service('minio-init').entrypoint, 'minio-init.entrypoint').join(' ');
    assert.match(init, new RegExp(`mc mb --ignore-existing local/${s3.bucket}\\b`));
  });

  it('gives Chromium a large /dev/shm and the workers time to drain', () => {
    const { config } = loadWithWarnings({ EGRESS_CONFIG_FILE: configPath });
    assert.ok(service('composite-worker').shm_size, 'composite-worker has no shm_size');
    for (const worker of Object.values(WORKERS)) {
      const grace = parseGoDuration(text(service(worker).stop_grace_period, 'stop_grace_period'));
      assert.ok(grace !== undefined && grace >= config.shutdownGraceMs, `${worker} grace`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Kubernetes

interface Manifest {
  file: string;
  doc: Json;
}

function manifests(): Manifest[] {
  const out: Manifest[] = [];
  for (const file of readdirSync(k8sDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    if (file === 'kustomization.yaml') continue;
    const docs = parseAllDocuments(readFileSync(path.join(k8sDir, file), 'utf8'), {
      uniqueKeys: true,
    });
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      assert.deepEqual(doc.errors, [], `${file} does not parse`);
      out.push({ file, doc: record(doc.toJS(), file) });
    }
  }
  return out;
}

function ofKind(all: Manifest[], kind: string): Json[] {
  return all.filter((m) => m.doc.kind === kind).map((m) => m.doc);
}

function nameOf(doc: Json): string {
  return text(record(doc.metadata, 'metadata').name, 'metadata.name');
}

function podSpec(deployment: Json): Json {
  const spec = record(deployment.spec, 'spec');
  return record(record(record(spec.template, 'template').spec, 'template.spec'), 'pod spec');
}

/** BullMQ's own key names for a queue, from the BullMQ the bridge runs (default prefix). */
function bullmqKeys(queue: string): Record<string, string> {
  // bullmq is the bridge's dependency, not this package's: resolve it from the bridge so the
  // check follows the version the bridge enqueues with.
  const fromBridge = createRequire(path.join(repoRoot, 'apps', 'bridge', 'package.json'));
  const bullmq = fromBridge('bullmq') as {
    QueueKeys?: new (prefix?: string) => { getKeys(name: string): Record<string, string> };
  };
  assert.equal(typeof bullmq.QueueKeys, 'function', 'bullmq exports QueueKeys');
  const QueueKeys = bullmq.QueueKeys as NonNullable<typeof bullmq.QueueKeys>;
  return new QueueKeys().getKeys(queue);
}

describe('deploy/k8s manifests (static checks: no cluster or KEDA here, nothing is applied)', () => {
  const all = manifests();
  const secret = ofKind(all, 'Secret').find((s) => nameOf(s) === 'egress');
  const configBody = text(
    record(secret?.stringData, 'Secret egress')['egress.yaml'],
    'egress.yaml',
  );
  const loaded = () => loadWithWarnings({ EGRESS_CONFIG_BODY: configBody });
  const deployments = new Map(ofKind(all, 'Deployment').map((d) => [nameOf(d), d]));

  it('parses every manifest as YAML with an apiVersion, kind and name', () => {
    assert.ok(all.length > 0);
    for (const m of all) {
      assert.equal(typeof m.doc.apiVersion, 'string', m.file);
      assert.equal(typeof m.doc.kind, 'string', m.file);
      nameOf(m.doc);
    }
  });

  it('lists every manifest file in kustomization.yaml', () => {
    const kustomization = record(
      readYaml(path.join(k8sDir, 'kustomization.yaml')),
      'kustomization',
    );
    const files = new Set(all.map((m) => m.file));
    assert.deepEqual(list(kustomization.resources, 'resources').slice().sort(), [...files].sort());
  });

  it('loads the egress.yaml in the Secret with loadConfig, with no warnings', () => {
    const { config, warnings } = loaded();
    assert.deepEqual(warnings, []);
    assertServiceConfig(config, { needs: ['redis', 'apiKeys', 'wsUrl'] });
  });

  it('runs one Deployment per app, each reading the Secret egress.yaml as its config', () => {
    assert.deepEqual([...deployments.keys()].sort(), APPS.map((a) => `egress-${a}`).sort());
    for (const [name, deployment] of deployments) {
      const pod = podSpec(deployment);
      const container = record(list(pod.containers, `${name} containers`)[0], `${name} container`);
      assert.equal(container.image, `${name}:latest`);
      const env = list(container.env, `${name} env`).map((e) => record(e, 'env'));
      const file = text(env.find((e) => e.name === 'EGRESS_CONFIG_FILE')?.value, 'config file');
      const mount = list(container.volumeMounts, `${name} mounts`)
        .map((m) => record(m, 'mount'))
        .find((m) => m.mountPath === path.posix.dirname(file));
      assert.ok(mount, `${name} mounts nothing at ${path.posix.dirname(file)}`);
      const volume = list(pod.volumes, `${name} volumes`)
        .map((v) => record(v, 'volume'))
        .find((v) => v.name === mount.name);
      const source = record(volume?.secret, `${name} config volume`);
      assert.equal(source.secretName, 'egress');
      assert.deepEqual(source.items, [{ key: 'egress.yaml', path: path.posix.basename(file) }]);
    }
  });

  it('probes the workers on health_port with a valid node -e script', () => {
    const { config } = loaded();
    for (const worker of Object.values(WORKERS)) {
      const pod = podSpec(deployments.get(`egress-${worker}`) ?? {});
      const container = record(list(pod.containers, 'containers')[0], 'container');
      const probe = record(container.readinessProbe, `${worker} readinessProbe`);
      assertHealthProbe(list(record(probe.exec, 'exec').command, 'command'), config.healthPort);
    }
  });

  it('serves the bridge API through a Service on api_port', () => {
    const { config } = loaded();
    const service = ofKind(all, 'Service').find((s) => nameOf(s) === 'egress-bridge');
    const ports = list(record(service?.spec, 'Service egress-bridge').ports, 'ports');
    assert.ok(ports.some((p) => record(p, 'port').port === config.apiPort));
  });

  it('gives each worker pool a grace period no shorter than shutdown_grace_sec', () => {
    const { config } = loaded();
    for (const worker of Object.values(WORKERS)) {
      const grace = podSpec(
        deployments.get(`egress-${worker}`) ?? {},
      ).terminationGracePeriodSeconds;
      assert.equal(typeof grace, 'number');
      assert.ok((grace as number) >= DEFAULT_SHUTDOWN_GRACE_SEC, `${worker} vs the default`);
      assert.ok((grace as number) * 1000 >= config.shutdownGraceMs, `${worker} vs the config`);
    }
  });

  const scaledObjects = ofKind(all, 'ScaledObject');
  for (const pool of POOLS) {
    it(`scales the ${pool} pool on its own BullMQ queue, ${QUEUE_NAMES[pool]}`, () => {
      const target = `egress-${WORKERS[pool]}`;
      const scaled = scaledObjects.filter(
        (s) => record(record(s.spec, 'spec').scaleTargetRef, 'scaleTargetRef').name === target,
      );
      assert.equal(scaled.length, 1, `one ScaledObject for ${target}`);
      const spec = record(scaled[0]?.spec, 'spec');
      const keys = bullmqKeys(QUEUE_NAMES[pool]);
      const triggers = list(spec.triggers, 'triggers').map((t) => record(t, 'trigger'));
      const lists = triggers.map((t) => record(t.metadata, 'trigger metadata').listName);
      assert.deepEqual(lists.sort(), [keys.active, keys.wait].sort());
      for (const trigger of triggers) assert.equal(trigger.type, 'redis');
      const formula = text(
        record(record(spec.advanced, 'advanced').scalingModifiers, 'scalingModifiers').formula,
        'formula',
      );
      for (const trigger of triggers) {
        assert.ok(
          formula.includes(text(trigger.name, 'trigger name')),
          `formula lacks ${trigger.name}`,
        );
      }
    });
  }

  it('points every scaler at the config Redis, logged in with the config password', () => {
    const { config } = loaded();
    const auths = new Map(ofKind(all, 'TriggerAuthentication').map((a) => [nameOf(a), a]));
    const stringData = record(secret?.stringData, 'Secret egress');
    for (const scaled of scaledObjects) {
      for (const trigger of list(record(scaled.spec, 'spec').triggers, 'triggers')) {
        const t = record(trigger, 'trigger');
        assert.equal(record(t.metadata, 'metadata').address, config.redis?.address);
        const authName = text(record(t.authenticationRef, 'authenticationRef').name, 'auth');
        const auth = auths.get(authName);
        assert.ok(auth, `no TriggerAuthentication ${authName}`);
        const refs = list(record(auth.spec, 'spec').secretTargetRef, 'secretTargetRef');
        const password = refs.map((r) => record(r, 'ref')).find((r) => r.parameter === 'password');
        assert.equal(password?.name, 'egress');
        assert.equal(stringData[text(password?.key, 'key')], config.redis?.password);
      }
    }
  });

  it('covers every queue in QUEUE_NAMES and no other', () => {
    const lists = scaledObjects.flatMap((s) =>
      list(record(s.spec, 'spec').triggers, 'triggers').map(
        (t) => record(record(t, 'trigger').metadata, 'metadata').listName,
      ),
    );
    const want = Object.values(QUEUE_NAMES).flatMap((q) => [
      bullmqKeys(q).wait,
      bullmqKeys(q).active,
    ]);
    assert.deepEqual(lists.sort(), want.sort());
  });
});
