import { OTLP_TYPES, type OtlpSignal } from './otlp-proto';
import type { OtlpEncoding } from './otlp-request';

/**
 * Privacy by default: prompt text, tool arguments and tool output are removed from an OTLP export before it
 * is stored, unless LOOPMETER_STORE_PROMPTS allows keeping them. Pure: bytes in, bytes out.
 *
 * Removed from log records, spans, span events and resources:
 * - attributes named in CONTENT_ATTRIBUTES (Claude Code `prompt`, `tool_parameters`, `tool_input`; Codex `prompt`,
 *   `arguments`, `output`; GenAI `gen_ai.input.messages`, `gen_ai.output.messages`, `gen_ai.system_instructions`,
 *   `gen_ai.tool.call.arguments`, `gen_ai.tool.call.result`; Copilot's content-capture keys) and every attribute
 *   whose name starts with `gen_ai.prompt` or `gen_ai.completion` (the older GenAI conventions);
 * - the body of a prompt or message event (user_prompt, gen_ai.*.message, gen_ai.choice...) unless it is just
 *   an event name (Claude Code writes `claude_code.user_prompt` there, which the pipeline needs).
 *
 * Metrics carry no content and are returned as they are. A request with nothing to remove is returned as the
 * very same bytes; otherwise it is re-encoded in its own encoding (protobuf fields unknown to the vendored
 * definitions are lost, which is acceptable for content that is never read).
 */

export const CONTENT_ATTRIBUTES: ReadonlySet<string> = new Set([
  'prompt',
  'tool_input',
  'tool_parameters',
  'arguments',
  'output',
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.tool.call.arguments',
  'gen_ai.tool.call.result',
  'github.copilot.tool.parameters.command',
  'github.copilot.tool.parameters.file_path',
  'copilot_chat.hook_input',
  'copilot_chat.hook_output',
]);

const CONTENT_PREFIXES = ['gen_ai.prompt', 'gen_ai.completion'];

/** Events whose body may hold the prompt or a message. */
const PROMPT_EVENT = /(^|\.)(user_prompt|choice)$|^gen_ai\.(user|system|assistant|tool)\.message$|^gen_ai\.content\.|^gen_ai\.client\.inference\.operation\.details$/;

/** A body that is only an event name (`claude_code.user_prompt`) is kept. */
const EVENT_NAME_BODY = /^[A-Za-z0-9_.-]{1,200}$/;

export interface StripResult {
  body: Buffer;
  /** Attributes and bodies removed. */
  removed: number;
}

export function isContentAttribute(key: string): boolean {
  return CONTENT_ATTRIBUTES.has(key) || CONTENT_PREFIXES.some((prefix) => key.startsWith(prefix));
}

/**
 * Removes the content of an export request. Throws when the body cannot be decoded (the receiver has already
 * checked it can be).
 */
export function stripOtlpContent(signal: OtlpSignal, encoding: OtlpEncoding, body: Buffer): StripResult {
  if (signal === 'metrics' || body.length === 0) return { body, removed: 0 };
  if (encoding === 'json') {
    const doc = JSON.parse(body.toString('utf8')) as unknown;
    const removed = stripRequest(signal, doc);
    return removed === 0 ? { body, removed } : { body: Buffer.from(JSON.stringify(doc), 'utf8'), removed };
  }
  const type = OTLP_TYPES[signal].request;
  const message = type.decode(body);
  // The decoded message has the same camelCase shape as the OTLP JSON encoding.
  const removed = stripRequest(signal, message as unknown);
  return removed === 0 ? { body, removed } : { body: Buffer.from(type.encode(message).finish()), removed };
}

type Plain = Record<string, unknown>;

function isObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function stripRequest(signal: 'logs' | 'traces', doc: unknown): number {
  if (!isObject(doc)) return 0;
  const [resourcesKey, scopesKey, itemsKey] = signal === 'logs' ? ['resourceLogs', 'scopeLogs', 'logRecords'] : ['resourceSpans', 'scopeSpans', 'spans'];
  let removed = 0;
  for (const resource of list(doc[resourcesKey])) {
    if (!isObject(resource)) continue;
    if (isObject(resource.resource)) removed += stripAttributes(resource.resource);
    for (const scope of list(resource[scopesKey])) {
      if (!isObject(scope)) continue;
      for (const item of list(scope[itemsKey])) {
        if (!isObject(item)) continue;
        removed += stripAttributes(item);
        if (signal === 'logs') removed += stripPromptBody(item);
        else for (const event of list(item.events)) if (isObject(event)) removed += stripAttributes(event);
      }
    }
  }
  return removed;
}

function stripAttributes(holder: Plain): number {
  const attributes = holder.attributes;
  if (!Array.isArray(attributes)) return 0;
  const kept = attributes.filter((kv) => !(isObject(kv) && typeof kv.key === 'string' && isContentAttribute(kv.key)));
  const removed = attributes.length - kept.length;
  if (removed > 0) holder.attributes = kept;
  return removed;
}

function stripPromptBody(record: Plain): number {
  const body = isObject(record.body) ? record.body : null;
  if (!body) return 0;
  const name = eventNameOf(record, body);
  if (!name || !PROMPT_EVENT.test(name)) return 0;
  const text = typeof body.stringValue === 'string' ? body.stringValue : null;
  const onlyStringValue = Object.keys(body).every((k) => k === 'stringValue');
  if (text !== null && onlyStringValue && EVENT_NAME_BODY.test(text)) return 0;
  if (Object.keys(body).length === 0) return 0;
  delete record.body;
  return 1;
}

function eventNameOf(record: Plain, body: Plain): string | null {
  if (typeof record.eventName === 'string' && record.eventName) return record.eventName;
  for (const kv of list(record.attributes)) {
    if (isObject(kv) && kv.key === 'event.name' && isObject(kv.value) && typeof kv.value.stringValue === 'string') return kv.value.stringValue;
  }
  return typeof body.stringValue === 'string' ? body.stringValue : null;
}
