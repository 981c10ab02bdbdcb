import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// What a built app or library ships (an image holds the app's build and, through `pnpm deploy`,
// those of the libraries it uses): the files its tsconfig.build.json compiles, and everything
// they load at run time, followed through relative imports and into the workspace packages they
// name. None of it may be test or bench code, or import a package that the importing package
// does not list in `dependencies` (a devDependency is not installed in an image: `pnpm deploy
// --prod`). Type-only imports are left out: the compiler drops them. `./testing` subpaths point
// at sources that no build compiles.

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The apps with an image, and the libraries under packages/ (the test SFU is a test tool). */
const BUILT = [
  'apps/bridge',
  'apps/composite-worker',
  'apps/track-worker',
  ...readdirSync(path.join(repoRoot, 'packages'))
    .filter((name) => name !== 'test-sfu')
    .map((name) => `packages/${name}`),
];

/** Folders and files that hold test or bench code, wherever they sit under a `src/`. */
const TEST_CODE = /\/src\/(?:.*\/)?(?:testing|bench|test-support)\/|\.test\.tsx?$/;

interface PackageJson {
  name: string;
  files?: string[];
  dependencies?: Record<string, string>;
  exports?: Record<string, string | Record<string, string>>;
}

const packageJsonCache = new Map<string, { dir: string; json: PackageJson }>();

/** The package.json nearest above `file`, and its folder. */
function owningPackage(file: string): { dir: string; json: PackageJson } {
  let dir = path.dirname(file);
  for (;;) {
    const cached = packageJsonCache.get(dir);
    if (cached) return cached;
    const candidate = path.join(dir, 'package.json');
    if (existsSync(candidate)) {
      const found = { dir, json: JSON.parse(readFileSync(candidate, 'utf8')) as PackageJson };
      packageJsonCache.set(dir, found);
      return found;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${file}`);
    dir = parent;
  }
}

/** The workspace packages by name (apps/, packages/, e2e/, bench/). */
function workspacePackages(): Map<string, string> {
  const byName = new Map<string, string>();
  const listed = ts.sys.readDirectory(
    repoRoot,
    ['package.json'],
    ['**/node_modules'],
    undefined,
    3,
  );
  for (const file of listed) {
    if (file.includes('node_modules')) continue;
    const { name } = JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
    if (name?.startsWith('@egress/')) byName.set(name, path.dirname(file));
  }
  return byName;
}

/** Specifiers a module loads at run time: imports and re-exports that are not type-only, and `import('…')`. */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly) {
      if (ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `@scope/name/sub` → `['@scope/name', './sub']`; `name` → `['name', '.']`. */
function splitSpecifier(specifier: string): [string, string] {
  const parts = specifier.split('/');
  const size = specifier.startsWith('@') ? 2 : 1;
  const rest = parts.slice(size).join('/');
  return [parts.slice(0, size).join('/'), rest ? `./${rest}` : '.'];
}

/** The source file behind a built path (`./dist/x/index.js` → `src/x/index.ts`). */
function sourceOf(dir: string, target: string): string {
  const source = target.replace(/^\.\/dist\//, './src/').replace(/\.js$/, '.ts');
  const file = path.join(dir, source);
  if (existsSync(file)) return file;
  if (existsSync(`${file}x`)) return `${file}x`;
  throw new Error(`no source for ${target} in ${dir}`);
}

/** The source file that a workspace package's export `subpath` builds from. */
function workspaceExport(dir: string, json: PackageJson, subpath: string): string {
  const entry = json.exports?.[subpath];
  const target = typeof entry === 'string' ? entry : entry?.default;
  if (!target) throw new Error(`${json.name} exports no ${subpath}`);
  return sourceOf(dir, target);
}

/** `./x.js` from `file` → the .ts/.tsx beside it. */
function relativeSource(file: string, specifier: string): string {
  return sourceOf(path.dirname(file), `./${specifier.replace(/^\.\//, '')}`);
}

/** The files the production build of the package in `dir` (from the repository root) compiles. */
function buildFiles(dir: string): string[] {
  const configPath = path.join(repoRoot, dir, 'tsconfig.build.json');
  const { config, error } = ts.readConfigFile(configPath, ts.sys.readFile);
  assert.equal(error, undefined, `${configPath} does not parse`);
  return ts.parseJsonConfigFileContent(config, ts.sys, path.dirname(configPath)).fileNames;
}

/**
 * Walks what `entries` load at run time and returns each problem as text: test or bench code
 * reached, or a package imported that its importer does not depend on.
 */
function productionProblems(entries: readonly string[]): string[] {
  const workspace = workspacePackages();
  const problems: string[] = [];
  const seen = new Set<string>();
  const queue = [...entries];
  const rel = (file: string) => path.relative(repoRoot, file);
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (seen.has(file)) continue;
    seen.add(file);
    if (TEST_CODE.test(file)) problems.push(`${rel(file)} is test or bench code`);
    const owner = owningPackage(file);
    for (const specifier of runtimeImports(file)) {
      if (specifier.startsWith('.')) {
        queue.push(relativeSource(file, specifier));
        continue;
      }
      if (isBuiltin(specifier)) continue;
      const [name, subpath] = splitSpecifier(specifier);
      if (!owner.json.dependencies?.[name]) {
        problems.push(
          `${rel(file)} imports ${specifier}, not in ${owner.json.name}'s dependencies`,
        );
        continue;
      }
      const dir = workspace.get(name);
      if (dir)
        queue.push(
          workspaceExport(dir, owningPackage(path.join(dir, 'package.json')).json, subpath),
        );
    }
  }
  return problems;
}

describe('production imports', () => {
  for (const dir of BUILT) {
    it(`${dir}: builds no test or bench code`, () => {
      const built = buildFiles(dir).map((file) => path.relative(repoRoot, file));
      assert.ok(built.length > 0, `${dir}: tsconfig.build.json compiles nothing`);
      assert.deepEqual(
        built.filter((file) => TEST_CODE.test(`/${file}`)),
        [],
      );
    });

    it(`${dir}: loads neither test code nor a devDependency at run time`, () => {
      assert.deepEqual(productionProblems(buildFiles(dir)), []);
    });

    // An app's image drops its src/ (Dockerfile); a library's src/ would come along with
    // `pnpm deploy` unless its package.json says the build is all it ships.
    if (dir.startsWith('packages/')) {
      it(`${dir}: ships its build only (package.json files)`, () => {
        const { json } = owningPackage(path.join(repoRoot, dir, 'package.json'));
        assert.deepEqual(json.files, ['dist']);
      });
    }
  }

  it('notices test code and devDependencies (a check that cannot fail checks nothing)', () => {
    const trackWorker = path.join(repoRoot, 'apps', 'track-worker', 'src');
    const problems = productionProblems([path.join(trackWorker, 'testing', 'sfu-harness.ts')]);
    assert.ok(
      problems.some((p) => p.includes('is test or bench code')),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.includes("imports @egress/test-sfu, not in @egress/track-worker's")),
      problems.join('\n'),
    );
  });
});
