import { HttpStatus } from '@nestjs/common';
import { eventsBatchLimits, genericEventSchema, type EventRejection, type GenericEvent } from '@loopmeter/shared';
import type { z } from 'zod';
import { AppException } from '../../core/errors/app.exception';

/**
 * Turns the body of `POST /api/events` into validated events, without touching the database.
 *
 * Formats, chosen by Content-Type (parameters such as `; charset=utf-8` are ignored; a charset other
 * than UTF-8 is refused):
 * - `application/json`: a JSON array of events. A single event object is accepted as a batch of one,
 *   so a `curl -d '{...}'` works; any other JSON value is refused as unreadable.
 * - `application/x-ndjson`, `application/ndjson`, `application/jsonl`: one event object per line;
 *   blank lines are skipped; a line that is not JSON is rejected on its own and the others still count.
 *
 * `index` is the 0-based position in the body: the array element, or the NDJSON line (blank lines
 * counted, so it points at the line a person would look at). Invalid events are rejected one by one with
 * a reason naming the field; the valid ones are kept. When an id repeats in the batch, the first valid
 * event with it is kept and later valid ones are reported in `duplicateInBatch`.
 */
export interface ParsedEvent {
  index: number;
  event: GenericEvent;
  /** The exact JSON text to store: `JSON.stringify(element)` for an array, the trimmed line for NDJSON. */
  raw: string;
}

export interface ParsedBatch {
  events: ParsedEvent[];
  rejected: EventRejection[];
  duplicateInBatch: Array<{ index: number; id: string }>;
}

export type EventsBatchFormat = 'json' | 'ndjson';

/** Media types (lower case, without parameters) and the format each means. */
export const eventsBatchContentTypes: Readonly<Record<string, EventsBatchFormat>> = {
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
};

export enum EventsBatchErrorCode {
  TooManyEvents = 'too_many_events',
  UnreadableBody = 'unreadable_body',
  UnsupportedMediaType = 'unsupported_media_type',
}

/** The whole request is refused: nothing in it is stored. */
export class EventsBatchException extends AppException {
  static tooManyEvents(count: number): EventsBatchException {
    const max = eventsBatchLimits.maxEvents;
    return new EventsBatchException(
      HttpStatus.PAYLOAD_TOO_LARGE,
      EventsBatchErrorCode.TooManyEvents,
      `The batch has ${count} events; at most ${max} are accepted per request. Split it into several requests.`,
      { count, max },
    );
  }

  static unreadable(message: string): EventsBatchException {
    return new EventsBatchException(HttpStatus.BAD_REQUEST, EventsBatchErrorCode.UnreadableBody, `${message} ${FORMAT_HINT}`);
  }

  static unsupportedMediaType(contentType: string): EventsBatchException {
    return new EventsBatchException(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      EventsBatchErrorCode.UnsupportedMediaType,
      `Content-Type '${contentType}' is not supported here. ${FORMAT_HINT}`,
      { supported: Object.keys(eventsBatchContentTypes) },
    );
  }
}

const FORMAT_HINT =
  'Send a JSON array of events with Content-Type: application/json, or one event per line with Content-Type: application/x-ndjson (UTF-8).';

/** At most this many problems are spelled out in one rejection reason. */
const MAX_ISSUES_IN_REASON = 5;

export function parseEventsBatch(raw: Buffer, contentType: string): ParsedBatch {
  const format = formatOf(contentType);
  const body = decodeUtf8(raw);
  if (body.trim() === '') throw EventsBatchException.unreadable('The body is empty.');
  const candidates = format === 'json' ? jsonCandidates(body) : ndjsonCandidates(body);

  const batch: ParsedBatch = { events: [], rejected: [], duplicateInBatch: [] };
  const seenIds = new Set<string>();
  for (const candidate of candidates) {
    if ('reason' in candidate) {
      batch.rejected.push(candidate);
      continue;
    }
    const { index, value } = candidate;
    const id = readableId(value);
    const problem = notAnObject(value, format);
    if (problem) {
      batch.rejected.push({ index, reason: problem });
      continue;
    }
    const parsed = genericEventSchema.safeParse(value);
    if (!parsed.success) {
      // Parsed again for the reason only: an error map changes the messages, never the outcome, and passing one
      // makes every parse ~3× slower (zod 4.6: 1.1 against 3.2-3.9 µs an event; docs/benchmarks.md, Ingest).
      const explained = genericEventSchema.safeParse(value, { error: presenceMessages });
      const issues = explained.success ? parsed.error.issues : explained.error.issues;
      batch.rejected.push({ index, ...(id === undefined ? {} : { id }), reason: describeIssues(issues) });
      continue;
    }
    if (seenIds.has(parsed.data.id)) {
      batch.duplicateInBatch.push({ index, id: parsed.data.id });
      continue;
    }
    seenIds.add(parsed.data.id);
    batch.events.push({ index, event: parsed.data, raw: candidate.text ?? JSON.stringify(value) });
  }
  return batch;
}

/** A value read from the body, or a rejection for an NDJSON line that is not JSON. */
type Candidate = { index: number; value: unknown; text?: string } | EventRejection;

function formatOf(contentType: string): EventsBatchFormat {
  const [mediaType = '', ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
  const format = eventsBatchContentTypes[mediaType];
  if (!format) throw EventsBatchException.unsupportedMediaType(contentType);
  const charset = parameters.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') throw EventsBatchException.unsupportedMediaType(contentType);
  return format;
}

function decodeUtf8(raw: Buffer): string {
  try {
    // Strips a leading byte order mark; refuses invalid byte sequences instead of replacing them.
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw EventsBatchException.unreadable('The body is not valid UTF-8.');
  }
}

function jsonCandidates(body: string): Candidate[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw EventsBatchException.unreadable(`The body is not valid JSON: ${errorMessage(error)}.`);
  }
  if (Array.isArray(parsed)) {
    if (parsed.length > eventsBatchLimits.maxEvents) throw EventsBatchException.tooManyEvents(parsed.length);
    return parsed.map((value: unknown, index) => ({ index, value }));
  }
  if (isObject(parsed)) return [{ index: 0, value: parsed }];
  throw EventsBatchException.unreadable(`The body is JSON ${kindOf(parsed)}, not an array of events.`);
}

function ndjsonCandidates(body: string): Candidate[] {
  const lines = body.split('\n');
  const filled = lines.filter((line) => line.trim() !== '').length;
  if (filled > eventsBatchLimits.maxEvents) throw EventsBatchException.tooManyEvents(filled);
  const candidates: Candidate[] = [];
  let readable = 0;
  lines.forEach((line, index) => {
    const text = line.trim();
    if (text === '') return;
    try {
      candidates.push({ index, value: JSON.parse(text), text });
      readable += 1;
    } catch (error) {
      candidates.push({ index, reason: `not valid JSON: ${errorMessage(error)}` });
    }
  });
  // Not one line is JSON: this is not NDJSON at all (e.g. a pretty-printed array), so refuse the body.
  if (readable === 0) throw EventsBatchException.unreadable(`None of the ${filled} lines of the body is JSON.`);
  return candidates;
}

function notAnObject(value: unknown, format: EventsBatchFormat): string | undefined {
  if (isObject(value)) return undefined;
  const hint = format === 'ndjson' && Array.isArray(value) ? ' (send arrays as application/json)' : '';
  return `an event must be a JSON object, got ${kindOf(value)}${hint}`;
}

/** The id to echo in a rejection, when the event has a usable one. */
function readableId(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const id = value.id;
  return typeof id === 'string' && id.length >= 1 && id.length <= 200 ? id : undefined;
}

/** Clearer words than zod's defaults for missing and null fields; everything else keeps the schema's message. */
function presenceMessages(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_type' && issue.code !== 'invalid_value') return undefined;
  if (issue.input === undefined) return 'required';
  if (issue.input === null) return 'must not be null (leave the field out instead)';
  return undefined;
}

/** `field: problem; field: problem`, one part per issue, unknown keys one by one. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const parts: string[] = [];
  for (const issue of issues) {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) parts.push(`${path ? `${path}.` : ''}${key}: unknown field`);
    } else if (issue.code === 'invalid_union' && path === 'type') {
      // The union's own message already names the type and the expected ones.
      parts.push(issue.message);
    } else {
      parts.push(path ? `${path}: ${issue.message}` : issue.message);
    }
  }
  const shown = parts.slice(0, MAX_ISSUES_IN_REASON);
  if (parts.length > shown.length) shown.push(`and ${parts.length - shown.length} more`);
  return shown.join('; ');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
