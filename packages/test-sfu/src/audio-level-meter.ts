/** Options for {@link AudioLevelMeter}. */
export interface AudioLevelMeterOptions {
  /**
   * How far back {@link AudioLevelMeter.measure} looks, in ms.
   * @defaultValue 500
   */
  windowMs?: number;
  /**
   * The quietest level, in -dBov (0 loudest, 127 silence), that counts as speech: livekit-server's
   * `audio.active_level`.
   * @defaultValue 35
   */
  activeLevelDbov?: number;
  /**
   * The share of packets in the window, in percent, that must be speech: livekit-server's
   * `audio.min_percentile`.
   * @defaultValue 40
   */
  minPercentile?: number;
}

/** What {@link AudioLevelMeter.measure} found. */
export interface AudioLevel {
  /** Whether the track counts as speaking. */
  isActive: boolean;
  /** Linear level 0..1 of the speech packets (livekit-server's `10^(-dBov/20)`), 0 when silent. */
  level: number;
}

interface Sample {
  atMs: number;
  levelDbov: number;
}

/**
 * Decides from RFC 6464 audio levels (the `ssrc-audio-level` RTP header extension a publisher
 * sends) whether an audio track speaks, the way livekit-server does: enough loud packets in a
 * short window.
 */
export class AudioLevelMeter {
  readonly #windowMs: number;
  readonly #activeLevelDbov: number;
  readonly #minShare: number;
  readonly #samples: Sample[] = [];

  constructor(options: AudioLevelMeterOptions = {}) {
    this.#windowMs = options.windowMs ?? 500;
    this.#activeLevelDbov = options.activeLevelDbov ?? 35;
    this.#minShare = (options.minPercentile ?? 40) / 100;
  }

  /** Records one packet's level (-dBov, 0..127) received at `atMs`. */
  add(levelDbov: number, atMs: number): void {
    this.#samples.push({ atMs, levelDbov });
    this.#prune(atMs);
  }

  /** The level over the window that ends at `atMs`. */
  measure(atMs: number): AudioLevel {
    this.#prune(atMs);
    const loud = this.#samples.filter((s) => s.levelDbov <= this.#activeLevelDbov);
    if (loud.length === 0 || loud.length < this.#samples.length * this.#minShare) {
      return { isActive: false, level: 0 };
    }
    const meanDbov = loud.reduce((sum, s) => sum + s.levelDbov, 0) / loud.length;
    return { isActive: true, level: 10 ** (-meanDbov / 20) };
  }

  #prune(atMs: number): void {
    const oldestMs = atMs - this.#windowMs;
    let drop = 0;
    while (drop < this.#samples.length && (this.#samples[drop]?.atMs ?? 0) < oldestMs) drop++;
    if (drop > 0) this.#samples.splice(0, drop);
  }
}
