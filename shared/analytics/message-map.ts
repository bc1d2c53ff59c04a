/**
 * The text a Bedrock Chat conversation sent to and received from its model, read from the item's
 * `MessageMap` (a JSON string: `{node_id: {role, content, used_chunks, thinking_log, children, parent, model}}`,
 * roots `system` and `instruction`), as the aws-samples Bedrock Chat backend stores it.
 *
 * Counted as INPUT: text bodies of `user`, `system` and `instruction` nodes, `toolResult` contents
 * (`text`, and `json` as JSON) and `used_chunks` contents (retrieved passages the model read).
 * Counted as OUTPUT: text bodies of `assistant`/`bot` nodes, `toolUse` inputs (as JSON) and
 * `reasoning` text (the model generated and was billed for it).
 * Agent steps kept in a node's `thinking_log` (`[{role, content}]`) follow the same rules.
 * Images, attachments, documents and unrecognised parts are not text: they are only counted as
 * `nonTextParts`. Text of nodes with any other role is not counted.
 *
 * Never throws: a missing, empty or unparsable map gives no text and a status saying why, so a bad
 * item can never borrow another item's text, model or price.
 */

export type MessageMapStatus = 'ok' | 'missing' | 'empty' | 'invalid-json' | 'not-a-map';

export interface MessageMapText {
  status: MessageMapStatus;
  /** Why no text was read; null when the map was read. */
  reason: string | null;
  /** Input text fragments, one per body / chunk / tool result part. */
  input: string[];
  /** Output text fragments. */
  output: string[];
  /** `model` of every assistant/bot node, in map order (repeats kept). */
  assistantModels: string[];
  /** `model` of every other node, in map order. */
  otherModels: string[];
  /** Images, attachments, documents and unrecognised content parts (not counted as text). */
  nonTextParts: number;
  /** Nodes read. */
  nodes: number;
  /** Node entries that were not objects (skipped). */
  malformedNodes: number;
}

type Direction = 'input' | 'output';

// A Map, not an object: a role is data, and `__proto__` or `constructor` must find nothing.
const ROLE_DIRECTION: ReadonlyMap<string, Direction> = new Map([
  ['user', 'input'],
  ['system', 'input'],
  ['instruction', 'input'],
  ['assistant', 'output'],
  ['bot', 'output'],
]);

const OUTPUT_ROLES = new Set(['assistant', 'bot']);

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Content was a single part in old Bedrock Chat versions; a list now. */
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]);

const roleOf = (value: unknown): string => (typeof value === 'string' ? value.trim().toLowerCase() : '');

const modelOf = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

function emptyText(status: MessageMapStatus, reason: string | null): MessageMapText {
  return { status, reason, input: [], output: [], assistantModels: [], otherModels: [], nonTextParts: 0, nodes: 0, malformedNodes: 0 };
}

/** The parsed node map, or why there is none. */
function decodeMap(raw: unknown): { nodes: JsonObject } | { status: MessageMapStatus; reason: string } {
  if (raw === undefined || raw === null) return { status: 'missing', reason: 'the item has no MessageMap' };
  // Tolerated: a map stored as a DynamoDB map instead of a JSON string.
  if (isObject(raw)) return { nodes: raw };
  if (typeof raw !== 'string') return { status: 'not-a-map', reason: `MessageMap is a ${Array.isArray(raw) ? 'list' : typeof raw}, not a JSON string` };
  if (raw.trim() === '') return { status: 'empty', reason: 'MessageMap is an empty string' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { status: 'invalid-json', reason: 'MessageMap is not valid JSON' };
  }
  if (!isObject(parsed)) return { status: 'not-a-map', reason: 'MessageMap JSON is not an object of nodes' };
  return { nodes: parsed };
}

class TextCollector {
  readonly text: MessageMapText = emptyText('ok', null);

  add(direction: Direction, fragment: string): void {
    if (fragment.length > 0) this.text[direction].push(fragment);
  }

  /** One message's content parts; `direction` is the role's, undefined for roles whose text is not counted. */
  content(parts: unknown, direction: Direction | undefined): void {
    for (const part of asList(parts)) {
      if (typeof part === 'string') {
        if (direction) this.add(direction, part);
        continue;
      }
      if (!isObject(part)) {
        this.text.nonTextParts += 1;
        continue;
      }
      switch (part.content_type) {
        case 'text':
          if (direction && typeof part.body === 'string') this.add(direction, part.body);
          break;
        case 'toolUse':
          this.toolUse(part.body);
          break;
        case 'toolResult':
          this.toolResult(part.body);
          break;
        case 'reasoning': {
          const text = typeof part.text === 'string' ? part.text : part.body;
          if (typeof text === 'string') this.add('output', text);
          break;
        }
        default:
          this.text.nonTextParts += 1;
      }
    }
  }

  private toolUse(body: unknown): void {
    if (!isObject(body) || body.input === undefined) return;
    this.add('output', JSON.stringify(body.input));
  }

  private toolResult(body: unknown): void {
    if (!isObject(body)) return;
    for (const result of asList(body.content)) {
      if (isObject(result) && typeof result.text === 'string') this.add('input', result.text);
      else if (isObject(result) && result.json !== undefined) this.add('input', JSON.stringify(result.json));
      else this.text.nonTextParts += 1;
    }
  }

  usedChunks(chunks: unknown): void {
    for (const chunk of asList(chunks)) {
      if (isObject(chunk) && typeof chunk.content === 'string') this.add('input', chunk.content);
    }
  }

  thinkingLog(steps: unknown): void {
    for (const step of asList(steps)) {
      if (isObject(step)) this.content(step.content, ROLE_DIRECTION.get(roleOf(step.role)));
    }
  }
}

/** Input and output text of one item's `MessageMap`. */
export function readMessageMap(raw: unknown): MessageMapText {
  const decoded = decodeMap(raw);
  if ('status' in decoded) return emptyText(decoded.status, decoded.reason);
  const entries = Object.values(decoded.nodes);
  if (entries.length === 0) return emptyText('empty', 'MessageMap has no nodes');

  const collector = new TextCollector();
  const { text } = collector;
  for (const node of entries) {
    if (!isObject(node)) {
      text.malformedNodes += 1;
      continue;
    }
    text.nodes += 1;
    const role = roleOf(node.role);
    collector.content(node.content, ROLE_DIRECTION.get(role));
    collector.usedChunks(node.used_chunks);
    collector.thinkingLog(node.thinking_log);
    const model = modelOf(node.model);
    if (model) (OUTPUT_ROLES.has(role) ? text.assistantModels : text.otherModels).push(model);
  }
  return text;
}

export type ModelSource = 'assistant' | 'node' | 'default';

/**
 * The model a conversation is priced as: the one most assistant/bot nodes name (ties: the first
 * named); when no assistant node names one, the one most other nodes name (Bedrock Chat stamps the
 * chosen model on every node, `system` included); otherwise the configured default.
 */
export function conversationModel(text: Pick<MessageMapText, 'assistantModels' | 'otherModels'>, defaultModel: string): { model: string; source: ModelSource } {
  const fromAssistant = mostNamed(text.assistantModels);
  if (fromAssistant) return { model: fromAssistant, source: 'assistant' };
  const fromNodes = mostNamed(text.otherModels);
  if (fromNodes) return { model: fromNodes, source: 'node' };
  return { model: defaultModel, source: 'default' };
}

function mostNamed(models: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const model of models) counts.set(model, (counts.get(model) ?? 0) + 1);
  let best: string | undefined;
  let bestCount = 0;
  for (const [model, count] of counts) {
    if (count > bestCount) {
      best = model;
      bestCount = count;
    }
  }
  return best;
}
