import type { TestSfuLogger } from './logger.js';
import { Room } from './room.js';

/** Options for {@link RoomRegistry}. */
export interface RoomRegistryOptions {
  subscriberPrimary: boolean;
  logger: TestSfuLogger;
}

/** The rooms of one SFU by name; a room exists while it has participants. */
export class RoomRegistry {
  readonly #rooms = new Map<string, Room>();
  readonly #options: RoomRegistryOptions;

  constructor(options: RoomRegistryOptions) {
    this.#options = options;
  }

  get(name: string): Room | undefined {
    return this.#rooms.get(name);
  }

  /** The room called `name`, created on first use (rooms are created on join, as by default). */
  getOrCreate(name: string): Room {
    let room = this.#rooms.get(name);
    if (!room) {
      room = new Room({
        name,
        subscriberPrimary: this.#options.subscriberPrimary,
        logger: this.#options.logger,
        onEmpty: (emptied) => {
          if (this.#rooms.get(emptied.name) === emptied) this.#rooms.delete(emptied.name);
        },
      });
      this.#rooms.set(name, room);
    }
    return room;
  }

  list(): Room[] {
    return [...this.#rooms.values()];
  }

  /** Deletes every room (participants hear ROOM_DELETED). */
  async deleteAll(): Promise<void> {
    await Promise.all(this.list().map((room) => room.delete()));
  }
}
