import type {
  BinaryReadOptions,
  JsonReadOptions,
  JsonValue,
  MessageType,
  PartialMessage,
  PlainMessage,
} from '@bufbuild/protobuf';
import { Message, proto3 } from '@bufbuild/protobuf';

/**
 * Base of the hand-written proto3 message classes: the constructor and the static `MessageType`
 * members that protoc-gen-es repeats in every class, written once. A subclass gives only its
 * `typeName`, its `fields` list and its fields as `declare` members: the constructor here sets
 * their proto3 defaults from `fields`, and an initialiser in the subclass would run after it
 * and wipe what `data` set.
 */
export abstract class Proto3Message<T extends Message<T>> extends Message<T> {
  static readonly runtime: typeof proto3 = proto3;

  constructor(data?: PartialMessage<T>) {
    super();
    proto3.util.initFields(this);
    // `this` is the concrete T: every subclass passes itself as T.
    proto3.util.initPartial(data, this as unknown as T);
  }

  static fromBinary<M extends Message<M>>(
    this: new () => M,
    bytes: Uint8Array,
    options?: Partial<BinaryReadOptions>,
  ): M {
    return new this().fromBinary(bytes, options);
  }

  static fromJson<M extends Message<M>>(
    this: new () => M,
    jsonValue: JsonValue,
    options?: Partial<JsonReadOptions>,
  ): M {
    return new this().fromJson(jsonValue, options);
  }

  static fromJsonString<M extends Message<M>>(
    this: new () => M,
    jsonString: string,
    options?: Partial<JsonReadOptions>,
  ): M {
    return new this().fromJsonString(jsonString, options);
  }

  static equals<M extends Message<M>>(
    this: MessageType<M>,
    a: M | PlainMessage<M> | null | undefined,
    b: M | PlainMessage<M> | null | undefined,
  ): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass, whose fields count.
    return proto3.util.equals(this, a, b);
  }
}
