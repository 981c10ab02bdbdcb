import {
  EgressError,
  egressInfoFromJson,
  egressInfoKey,
  egressInfoToJson,
  GO_MESSAGES,
  isFinalStatus,
} from '@egress/protocol';
import type { EgressInfo } from '@livekit/protocol';
import type { Cluster, Redis } from 'ioredis';

/** An ioredis connection: a single node, sentinel, or cluster client. */
export type RedisClient = Redis | Cluster;

/** Options of {@link EgressStore}. */
export interface EgressStoreOptions {
  /** A producer connection (fails fast when Redis is away); the store never closes it. */
  redis: RedisClient;
  /** Suffix of the index keys (see {@link storeKeys}). @defaultValue '' */
  namespace?: string;
  /**
   * How long an ended egress stays listed, milliseconds (livekit-server keeps them 24 h).
   * @defaultValue 86400000
   */
  retentionMs?: number;
}

/** Filters of {@link EgressStore.list}; livekit-server's `ListEgressRequest` without the id. */
export interface ListFilter {
  /** Only egresses of this room; '' or absent lists every room. */
  roomName?: string;
  /** Only STARTING, ACTIVE and ENDING egresses. @defaultValue false */
  isActiveOnly?: boolean;
}

/** Options of {@link EgressStore.create}. */
export interface CreateOptions {
  /**
   * The psrpc door that accepted the egress for livekit-server (its owner id): the egress is
   * marked as livekit-server's, so webhooks are left to livekit-server and a restarted door
   * takes it back (see {@link EgressStore.psrpcOwnerOf}).
   */
  psrpcOwner?: string;
}

/** What {@link EgressStore.update} did. */
export interface UpdateResult {
  /** The stored info after the call. */
  info: EgressInfo;
  /** Whether the call changed it. */
  isChanged: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The names of the store's index keys (see {@link storeKeys}). */
export interface StoreKeys {
  /** Set of the ids of egresses not yet final (STARTING, ACTIVE, ENDING). */
  readonly active: string;
  /** Sorted set of every stored egress id, scored by creation time (epoch ms). */
  readonly index: string;
  /** Set of the egress ids of a room. */
  room(roomName: string): string;
}

/**
 * Key marking an egress accepted through the psrpc door: `egress:psrpc:<egressId>` holds the id
 * of the door that serves it. It lives as long as the egress's info.
 */
export function psrpcOwnerKey(egressId: string): string {
  egressInfoKey(egressId); // throws invalid_argument for an id that cannot name our keys
  return `egress:psrpc:${egressId}`;
}

/** Key a live psrpc door keeps with a short TTL: `egress:psrpc-door:<ownerId>`. */
export function psrpcDoorAliveKey(ownerId: string): string {
  return `egress:psrpc-door:${ownerId}`;
}

/**
 * The index keys of a store: `egress:active`, `egress:index` and `egress:room:<room>` (room
 * names are user data, URI-encoded so `:` and `|` stay out of our key space). A `namespace`
 * (the BullMQ prefix of a non-default deployment, or a test) is appended to the kind
 * (`egress:active.<ns>`), so bridges on different queues never sweep each other's egresses.
 */
export function storeKeys(namespace = ''): StoreKeys {
  const suffix = namespace ? `.${encodeURIComponent(namespace)}` : '';
  return {
    active: `egress:active${suffix}`,
    index: `egress:index${suffix}`,
    room: (roomName) => `egress:room${suffix}:${encodeURIComponent(roomName)}`,
  };
}

// Compare-and-set of one key, so concurrent writers (status events, control replies, sweeps,
// other bridges) never lose each other's changes. One key per script keeps it cluster-safe.
const CAS_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if (current or '') ~= ARGV[1] then return 0 end
if ARGV[3] == '' then
  redis.call('SET', KEYS[1], ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 1
`;

const MAX_CAS_ATTEMPTS = 20;

// Moves a psrpc egress to a new owner only if the old one still holds it.
const ADOPT_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
`;

function encode(info: EgressInfo): string {
  return JSON.stringify(egressInfoToJson(info));
}

function decode(raw: string, egressId: string): EgressInfo {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw EgressError.internal(`stored info of egress ${egressId} is not valid JSON`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw EgressError.internal(`stored info of egress ${egressId} is not a JSON object`);
  }
  return egressInfoFromJson(json as Record<string, unknown>, 'stored info');
}

function createdMsOf(info: EgressInfo): number {
  return Number(info.startedAt / 1_000_000n) || Date.now();
}

/**
 * EgressInfo kept in Redis for the standalone (Twirp) door: `egress:info:<id>` holds the info as
 * protobuf JSON, `egress:room:<room>` and `egress:index` list the ids, and `egress:active` holds
 * the ids not yet final. Every write is a compare-and-set on the info key, so writers never lose
 * each other's changes; the index sets are hints that reads check against the infos. An ended
 * egress expires after `retentionMs`.
 */
export class EgressStore {
  readonly #redis: RedisClient;
  readonly #retentionMs: number;
  readonly #keys: StoreKeys;
  /**
   * The psrpc owner (or `undefined`: Twirp) of each running egress this store created or took
   * over; a final status drops it. Ownership changes only through {@link adoptPsrpc}.
   */
  readonly #owners = new Map<string, string | undefined>();

  constructor(options: EgressStoreOptions) {
    const retentionMs = options.retentionMs ?? DAY_MS;
    if (!Number.isInteger(retentionMs) || retentionMs <= 0) {
      throw new TypeError('EgressStore: retentionMs must be a positive integer');
    }
    this.#redis = options.redis;
    this.#retentionMs = retentionMs;
    this.#keys = storeKeys(options.namespace);
  }

  /**
   * Stores a new egress and indexes it.
   * @throws already_exists when an egress with this id is stored.
   * @throws invalid_argument when the id cannot name a key.
   */
  async create(info: EgressInfo, options: CreateOptions = {}): Promise<void> {
    const key = egressInfoKey(info.egressId);
    const isFinal = isFinalStatus(info.status);
    const written = isFinal
      ? await this.#redis.set(key, encode(info), 'PX', this.#retentionMs, 'NX')
      : await this.#redis.set(key, encode(info), 'NX');
    if (written === null) {
      throw EgressError.alreadyExists(`egress ${info.egressId} already exists`);
    }
    this.#owners.set(info.egressId, options.psrpcOwner);
    // Sent together, not one round trip each: a Twirp StartEgress waits for them.
    await Promise.all([
      ...(options.psrpcOwner
        ? [this.#redis.set(psrpcOwnerKey(info.egressId), options.psrpcOwner)]
        : []),
      this.#index(info),
    ]);
  }

  /**
   * The psrpc door that serves an egress livekit-server started, or `undefined` for an egress
   * started through the Twirp door (or expired).
   */
  async psrpcOwnerOf(egressId: string): Promise<string | undefined> {
    // Egresses this bridge created or took over are known without a round trip.
    if (this.#owners.has(egressId)) return this.#owners.get(egressId);
    return (await this.#redis.get(psrpcOwnerKey(egressId))) ?? undefined;
  }

  /**
   * Hands a psrpc egress from `from` (a door that is gone) to `to`; `false` when another door
   * took it first.
   */
  async adoptPsrpc(egressId: string, from: string, to: string): Promise<boolean> {
    const isAdopted =
      (await this.#redis.eval(ADOPT_SCRIPT, 1, psrpcOwnerKey(egressId), from, to)) === 1;
    if (isAdopted) this.#owners.set(egressId, to);
    return isAdopted;
  }

  /** Marks a psrpc door as alive for `ttlMs` (it refreshes this well before it expires). */
  async markDoorAlive(ownerId: string, ttlMs: number): Promise<void> {
    await this.#redis.set(psrpcDoorAliveKey(ownerId), '1', 'PX', ttlMs);
  }

  /** Whether a psrpc door refreshed its mark lately. */
  async isDoorAlive(ownerId: string): Promise<boolean> {
    return (await this.#redis.exists(psrpcDoorAliveKey(ownerId))) === 1;
  }

  /** Removes a closing door's mark, so another door takes its egresses at once. */
  async markDoorGone(ownerId: string): Promise<void> {
    await this.#redis.del(psrpcDoorAliveKey(ownerId));
  }

  /** Removes an egress and its index entries (used when it could not be enqueued). */
  async remove(egressId: string): Promise<void> {
    const info = await this.get(egressId);
    await this.#redis.del(egressInfoKey(egressId));
    await this.#redis.del(psrpcOwnerKey(egressId));
    this.#owners.delete(egressId);
    await this.#redis.srem(this.#keys.active, egressId);
    await this.#redis.zrem(this.#keys.index, egressId);
    if (info?.roomName) await this.#redis.srem(this.#keys.room(info.roomName), egressId);
  }

  /** The stored info, or `undefined` when there is none (unknown or expired). */
  async get(egressId: string): Promise<EgressInfo | undefined> {
    const raw = await this.#redis.get(egressInfoKey(egressId));
    return raw === null ? undefined : decode(raw, egressId);
  }

  /**
   * The stored info.
   * @throws not_found "egress not found" when there is none.
   */
  async require(egressId: string): Promise<EgressInfo> {
    const info = await this.get(egressId);
    if (!info) throw EgressError.notFound(GO_MESSAGES.egressNotFound);
    return info;
  }

  /**
   * Changes a stored info atomically: `change` gets the current info and returns the next one,
   * or `undefined` to leave it; on a concurrent write it runs again with the newer info. A final
   * info expires after the retention time and leaves the active set.
   * @throws not_found when the egress is not stored.
   */
  async update(
    egressId: string,
    change: (current: EgressInfo) => EgressInfo | undefined,
  ): Promise<UpdateResult> {
    const key = egressInfoKey(egressId);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const raw = await this.#redis.get(key);
      if (raw === null) throw EgressError.notFound(GO_MESSAGES.egressNotFound);
      const current = decode(raw, egressId);
      if (isFinalStatus(current.status)) this.#owners.delete(egressId);
      const next = change(current);
      if (next === undefined || next === current) return { info: current, isChanged: false };
      const ttl = isFinalStatus(next.status) ? String(this.#retentionMs) : '';
      const swapped = await this.#redis.eval(CAS_SCRIPT, 1, key, raw, encode(next), ttl);
      if (swapped === 1) {
        if (isFinalStatus(next.status)) {
          this.#owners.delete(egressId);
          await this.#redis.srem(this.#keys.active, egressId);
          await this.#redis.pexpire(psrpcOwnerKey(egressId), this.#retentionMs);
          if (next.roomName) {
            await this.#redis.pexpire(this.#keys.room(next.roomName), this.#retentionMs);
          }
        }
        return { info: next, isChanged: true };
      }
    }
    throw EgressError.unavailable(`egress ${egressId} is being changed too often; retry`);
  }

  /** Takes an id out of the active set (the sweep found it ended or gone). */
  async forgetActive(egressId: string): Promise<void> {
    await this.#redis.srem(this.#keys.active, egressId);
  }

  /** Ids in the active set (a hint: check each info's status). */
  async activeIds(): Promise<string[]> {
    return this.#redis.smembers(this.#keys.active);
  }

  /** Stored egresses matching the filter, oldest first. */
  async list(filter: ListFilter = {}): Promise<EgressInfo[]> {
    const isActiveOnly = filter.isActiveOnly ?? false;
    let ids: string[];
    let indexKey: string | undefined;
    if (filter.roomName) {
      indexKey = this.#keys.room(filter.roomName);
      ids = await this.#redis.smembers(indexKey);
    } else if (isActiveOnly) {
      ids = await this.#redis.smembers(this.#keys.active);
    } else {
      ids = await this.#redis.zrange(this.#keys.index, '0', '-1');
    }
    // One GET per key, not MGET: a cluster rejects multi-key commands across slots.
    const raws = await Promise.all(ids.map((id) => this.#redis.get(egressInfoKey(id))));
    const infos: EgressInfo[] = [];
    const missing: string[] = [];
    raws.forEach((raw, i) => {
      const id = ids[i] ?? '';
      if (raw === null) missing.push(id);
      else infos.push(decode(raw, id));
    });
    if (missing.length > 0) await this.#prune(missing, indexKey);
    return infos
      .filter((info) => !isActiveOnly || !isFinalStatus(info.status))
      .sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
  }

  async #index(info: EgressInfo): Promise<void> {
    const id = info.egressId;
    // Independent keys, sent at once; a cluster runs each on its own node.
    await Promise.all([
      this.#redis.zadd(this.#keys.index, String(createdMsOf(info)), id),
      ...(isFinalStatus(info.status) ? [] : [this.#redis.sadd(this.#keys.active, id)]),
      this.keepIndexed(info),
    ]);
  }

  /**
   * Makes sure a room's index lists this egress and, while it runs, never expires (an ended
   * egress of the same room may have set a TTL on the set). The state sweep calls it for every
   * running egress, so a recording longer than the retention time stays listed.
   */
  async keepIndexed(info: EgressInfo): Promise<void> {
    if (!info.roomName) return;
    const key = this.#keys.room(info.roomName);
    // One connection sends both in order, and one node runs both in order: no wait between.
    await Promise.all([
      this.#redis.sadd(key, info.egressId),
      isFinalStatus(info.status)
        ? this.#redis.pexpire(key, this.#retentionMs)
        : this.#redis.persist(key),
    ]);
  }

  // Expired infos leave their ids behind in the index sets; drop them when a read finds them.
  async #prune(ids: string[], roomKey: string | undefined): Promise<void> {
    await this.#redis.zrem(this.#keys.index, ...ids);
    await this.#redis.srem(this.#keys.active, ...ids);
    if (roomKey) await this.#redis.srem(roomKey, ...ids);
  }
}
