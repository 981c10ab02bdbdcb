/**
 * The outcomes of flows run side by side in one `before`, by name: each `it` takes its flow's
 * result or fails with that flow's own error, so one broken flow does not hide the others.
 */
export class FlowRuns<T> {
  readonly #results = new Map<string, PromiseSettledResult<T>>();

  /** Runs `run` for every item at once and keeps each outcome under the item's name. */
  async runAll<F extends { name: string }>(
    items: readonly F[],
    run: (item: F) => Promise<T>,
  ): Promise<void> {
    const settled = await Promise.allSettled(items.map((item) => run(item)));
    items.forEach((item, i) => {
      const result = settled[i];
      if (result) this.#results.set(item.name, result);
    });
  }

  /** Whether a flow failed (or none ran), so the services' output is worth printing. */
  get hasFailure(): boolean {
    return (
      this.#results.size === 0 || [...this.#results.values()].some((r) => r.status === 'rejected')
    );
  }

  /**
   * The result of the flow `name`.
   * @throws its error when it failed, an Error when it did not run
   */
  get(name: string): T {
    const result = this.#results.get(name);
    if (!result) throw new Error(`${name} did not run`);
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  }
}
