/** Options of {@link testWorkerConfigYaml}. */
export interface TestWorkerConfigOptions {
  /** The test Redis (`redis://host:port[/db]`). */
  redisUrl: string;
  /** `local_output_dir`: where uploads land when no storage is configured. */
  outDir: string;
  /** `cpu_cost` keys that replace or add to the cheap test costs (Go names). */
  cpuCost?: Readonly<Record<string, number | string>>;
  /** More top-level YAML appended as is (storage, session limits). */
  extra?: string;
}

const TEST_CPU_COST = {
  web_cpu_cost: 0.5,
  audio_web_cpu_cost: 0.5,
  room_composite_cpu_cost: 0.5,
  audio_room_composite_cpu_cost: 0.5,
  max_cpu_utilization: 1,
};

/**
 * The config YAML of a composite worker test: the test Redis, local output, small CPU costs (test
 * egresses are cheap, so several fit) and `max_cpu_utilization: 1`.
 */
export function testWorkerConfigYaml(options: TestWorkerConfigOptions): string {
  const url = new URL(options.redisUrl);
  return [
    'redis:',
    `  address: ${url.hostname}:${url.port || '6379'}`,
    ...(url.pathname.length > 1 ? [`  db: ${Number(url.pathname.slice(1))}`] : []),
    `local_output_dir: ${options.outDir}`,
    `log_level: ${process.env.LOG_LEVEL ?? 'error'}`,
    'cpu_cost:',
    ...Object.entries({ ...TEST_CPU_COST, ...options.cpuCost }).map(([k, v]) => `  ${k}: ${v}`),
    ...(options.extra ? [options.extra] : []),
  ].join('\n');
}
