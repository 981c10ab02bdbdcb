/**
 * The Node flags of this process that load code (`--import`, `--require`, `--loader`), for a
 * forked child to load its entry the way this process was loaded (tsx under tests and dev),
 * without the rest (`--test`, inspector ports) that `fork()` would otherwise pass on.
 */
export function loaderExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] ?? '';
    if (/^--(import|require|loader|experimental-loader)=/.test(arg)) out.push(arg);
    else if (/^(--import|--require|-r|--loader|--experimental-loader)$/.test(arg)) {
      out.push(arg, execArgv[i + 1] ?? '');
      i++;
    }
  }
  return out;
}
