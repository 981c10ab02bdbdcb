import { EgressError } from '@egress/protocol';

/** Muxer queues hold time, not buffers: Go's pipeline latency of 3 s (egress-go-behavior.md §4). */
export const QUEUE_TIME_NS = 3_000_000_000;

/** One gst-launch element and its properties, as arguments: `['queue', 'max-size-buffers=0']`. */
export type Element = readonly string[];

/** `a ! b ! c` as arguments. */
export function chain(...elements: Element[]): string[] {
  const out: string[] = [];
  for (const element of elements) {
    if (out.length > 0) out.push('!');
    out.push(...element);
  }
  return out;
}

/**
 * A `queue`: by default it holds {@link QUEUE_TIME_NS} of media; `leaky=downstream` drops the
 * oldest buffers when full instead of blocking the producer.
 */
export function queue(
  isLeaky: boolean,
  limit: { timeNs?: number; buffers?: number } = {},
): Element {
  return [
    'queue',
    ...(isLeaky ? ['leaky=downstream'] : []),
    `max-size-time=${limit.timeNs ?? (limit.buffers === undefined ? QUEUE_TIME_NS : 0)}`,
    `max-size-buffers=${limit.buffers ?? 0}`,
    'max-size-bytes=0',
  ];
}

/**
 * `value`, checked to be a positive whole number.
 * @throws `invalid_argument` naming `field`.
 */
export function positiveInt(value: number, field: string): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw EgressError.invalidArgument(`${field} must be a positive integer, got ${value}`);
  }
  return value;
}
