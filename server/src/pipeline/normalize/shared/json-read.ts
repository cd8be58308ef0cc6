import { isRecord } from '../../../sources/shared/json-fields';
import { InvalidEventError } from '../facts';

/** The largest PostgreSQL `integer`: issue and merge request numbers are stored as such. */
const MAX_INT4 = 2_147_483_647;

/**
 * Reading a webhook body that should have a known shape. Required readers throw InvalidEventError naming
 * the field by its path in the body (`object_attributes.iid is missing`), so a poison event is
 * quarantined with a reason a person can act on. Optional readers answer null for a missing or null
 * field but still refuse a field of the wrong type: a number where a string belongs is not "absent".
 */
export class JsonObject {
  private constructor(
    private readonly fields: Record<string, unknown>,
    /** Where this object sits in the body: `object_attributes`, `commits[1]`; empty for the body itself. */
    readonly path: string,
  ) {}

  static root(body: unknown): JsonObject {
    if (!isRecord(body)) throw new InvalidEventError('the body is not a JSON object');
    return new JsonObject(body, '');
  }

  /** The path of one of this object's fields, for messages. */
  pathOf(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  /** True when the key is in the object, even with a null value (Linear's `updatedFrom` lists changed fields so). */
  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.fields, key);
  }

  object(key: string): JsonObject {
    return this.optionalObject(key) ?? this.missing(key);
  }

  optionalObject(key: string): JsonObject | null {
    const value = this.present(key);
    if (value === undefined) return null;
    if (!isRecord(value)) throw this.wrongType(key, 'an object');
    return new JsonObject(value, this.pathOf(key));
  }

  /** A required, non-empty string. */
  string(key: string): string {
    const value = this.optionalString(key);
    if (value === null) return this.missing(key);
    if (value === '') throw new InvalidEventError(`${this.pathOf(key)} is empty`);
    return value;
  }

  optionalString(key: string): string | null {
    const value = this.present(key);
    if (value === undefined) return null;
    if (typeof value !== 'string') throw this.wrongType(key, 'a string');
    return value;
  }

  /** A required string that may be empty (a PR title or body can be). */
  text(key: string): string {
    return this.optionalString(key) ?? this.missing(key);
  }

  /** A string that means nothing when empty (GitHub sends `""` for unset URLs). */
  nonEmptyString(key: string): string | null {
    const value = this.optionalString(key);
    return value === null || value === '' ? null : value;
  }

  /** A required finite number. */
  number(key: string): number {
    return this.optionalNumber(key) ?? this.missing(key);
  }

  /** A count (additions, deletions, changed files): a whole number from 0 to 2,147,483,647, or null when absent. */
  optionalCount(key: string): number | null {
    const value = this.optionalNumber(key);
    if (value !== null && (!Number.isInteger(value) || value < 0 || value > MAX_INT4)) throw this.wrongType(key, `a whole number from 0 to ${MAX_INT4}`);
    return value;
  }

  /** A numeric (or string) id as a string: ids are keys, never arithmetic. */
  id(key: string): string {
    const value = this.present(key);
    if (value === undefined) return this.missing(key);
    if (typeof value === 'number' && Number.isInteger(value)) return String(value);
    if (typeof value === 'string' && value !== '') return value;
    throw this.wrongType(key, 'an id');
  }

  optionalId(key: string): string | null {
    return this.present(key) === undefined ? null : this.id(key);
  }

  /** An ISO 8601 timestamp with a zone (as GitHub and Linear send), re-written in UTC. */
  timestamp(key: string): string {
    return this.time(key, parseIsoTime);
  }

  optionalTimestamp(key: string): string | null {
    return this.optionalTime(key, parseIsoTime);
  }

  /** A required whole number. */
  integer(key: string): number {
    return this.optionalInteger(key) ?? this.missing(key);
  }

  optionalInteger(key: string): number | null {
    const value = this.present(key);
    if (value === undefined) return null;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw this.wrongType(key, 'a whole number');
    return value;
  }

  /**
   * An issue or merge request number (GitLab `iid`): a whole number from 1 to 2,147,483,647, the range of the
   * columns that hold them. Anything else cannot be a real delivery: read here, it is quarantined with the
   * field's name instead of failing the database write on every retry.
   */
  serialNumber(key: string): number {
    return this.optionalSerialNumber(key) ?? this.missing(key);
  }

  optionalSerialNumber(key: string): number | null {
    const value = this.optionalNumber(key);
    if (value !== null && (!Number.isInteger(value) || value < 1 || value > MAX_INT4)) throw this.wrongType(key, `a whole number from 1 to ${MAX_INT4}`);
    return value;
  }

  optionalNumber(key: string): number | null {
    const value = this.present(key);
    if (value === undefined) return null;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw this.wrongType(key, 'a number');
    return value;
  }

  optionalBoolean(key: string): boolean | null {
    const value = this.present(key);
    if (value === undefined) return null;
    if (typeof value !== 'boolean') throw this.wrongType(key, 'true or false');
    return value;
  }

  /** An array of objects; missing or null reads as empty. */
  objects(key: string): JsonObject[] {
    return this.array(key).map((element, index) => {
      if (!isRecord(element)) throw new InvalidEventError(`${this.pathOf(key)}[${index}] must be an object`);
      return new JsonObject(element, `${this.pathOf(key)}[${index}]`);
    });
  }

  /** An array of strings; missing or null reads as empty. */
  strings(key: string): string[] {
    return this.array(key).map((element, index) => {
      if (typeof element !== 'string') throw new InvalidEventError(`${this.pathOf(key)}[${index}] must be a string`);
      return element;
    });
  }

  /** An array of whole numbers; missing or null reads as empty. */
  integers(key: string): number[] {
    return this.array(key).map((element, index) => {
      if (typeof element !== 'number' || !Number.isInteger(element)) {
        throw new InvalidEventError(`${this.pathOf(key)}[${index}] must be a whole number`);
      }
      return element;
    });
  }

  /** A required timestamp, read by the source's parser and returned as ISO 8601 UTC. */
  time(key: string, parse: TimeParser): string {
    return parse(this.string(key), this.pathOf(key));
  }

  optionalTime(key: string, parse: TimeParser): string | null {
    const text = this.optionalString(key);
    return text === null || text === '' ? null : parse(text, this.pathOf(key));
  }

  private array(key: string): unknown[] {
    const value = this.present(key);
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw this.wrongType(key, 'an array');
    return value;
  }

  /** The value, with null read as absent. */
  private present(key: string): unknown {
    const value = this.has(key) ? this.fields[key] : undefined;
    return value === null ? undefined : value;
  }

  private missing(key: string): never {
    throw new InvalidEventError(`${this.pathOf(key)} is missing`);
  }

  private wrongType(key: string, expected: string): InvalidEventError {
    return new InvalidEventError(`${this.pathOf(key)} must be ${expected}`);
  }
}

/** Turns a source's timestamp text into ISO 8601 UTC, or throws InvalidEventError naming `field`. */
export type TimeParser = (text: string, field: string) => string;

/**
 * A date and time with an explicit zone, in the spellings the sources use: `T` or a space between date
 * and time, optional seconds and fraction, then `Z`, `UTC`, `+01:00`, `+0100` or `+01` (with or without
 * a space before it). A time without a zone is refused: guessing the zone would shift every duration.
 */
const ZONED_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)$/i;

/** ISO 8601 UTC with milliseconds (`2026-01-02T08:50:10.000Z`), or null when `text` is not such a timestamp. */
export function zonedTimestampToIso(text: string): string | null {
  const match = ZONED_TIMESTAMP.exec(text.trim());
  if (!match) return null;
  const [, year, month, day, hour, minute, second = '0', fraction = '', zone] = match;
  const parts = {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour),
    minute: Number(minute),
    second: Number(second),
  };
  // Fractions beyond milliseconds are cut, not rounded, so a time never moves into the next second.
  const millis = Number(fraction.slice(0, 3).padEnd(3, '0'));
  if (parts.month < 1 || parts.month > 12 || parts.hour > 23 || parts.minute > 59 || parts.second > 59) return null;
  const local = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second, millis);
  // Date.UTC rolls 2026-02-30 over into March: refuse days the month does not have.
  if (new Date(local).getUTCDate() !== parts.day) return null;
  const offsetMinutes = zoneOffsetMinutes(zone);
  if (offsetMinutes === null) return null;
  return new Date(local - offsetMinutes * 60_000).toISOString();
}

function zoneOffsetMinutes(zone: string): number | null {
  const upper = zone.toUpperCase();
  if (upper === 'Z' || upper === 'UTC') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 23 || minutes > 59) return null;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

/** A TimeParser for sources that send ISO 8601 with `Z` or an offset (Linear, the generic events API). */
export function parseIsoTime(text: string, field: string): string {
  return zonedTimestampToIso(text) ?? notATimestamp(text, field);
}

/** Unix milliseconds (Jira's `timestamp`, Linear's `webhookTimestamp`) as ISO 8601 UTC. */
export function epochMillisToIso(millis: number, field: string): string {
  const date = new Date(millis);
  if (!Number.isInteger(millis) || Number.isNaN(date.getTime())) {
    throw new InvalidEventError(`${field} is not a time in Unix milliseconds: ${millis}`);
  }
  return date.toISOString();
}

export function notATimestamp(text: string, field: string): never {
  throw new InvalidEventError(`${field} is not a timestamp with a time zone: '${text}'`);
}

/** The latest of some ISO 8601 UTC times (they compare as strings). */
export function latestIso(first: string, ...others: Array<string | null>): string {
  return others.reduce<string>((latest, time) => (time !== null && time > latest ? time : latest), first);
}
