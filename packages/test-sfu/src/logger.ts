/**
 * The logging surface the test SFU needs: a structural subset of pino's `Logger`, so callers pass
 * their pino logger (or a child) and the package needs no logging dependency.
 */
export interface TestSfuLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): TestSfuLogger;
}

/** A logger that drops everything: the default, since tests log at level `silent`. */
export const silentLogger: TestSfuLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
