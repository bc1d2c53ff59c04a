import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PartitionSplitError } from '#shared/errors/normflow-errors.ts';
import { stripDiacritics } from '#shared/rules/text-basics.ts';
import type { ObjectStore } from '#shared/stores/object-store.ts';
import type { AnalyticsConfig, AnalyticsFilters } from './analytics-config.ts';
import { createCsvTableWriter } from './csv-table.ts';
import { dayInTimeZone, startOfDayInTimeZone } from './time-zone-days.ts';
import { isPlainObject } from '#shared/json/plain-object.ts';

/**
 * ETL-1: the chatbot's conversations table → `exchanges` and `users` CSV files (ANALYTICS.md §1–§2).
 *
 * Decisions where the contract is silent:
 * - Exchange time: the SK timestamp; else `CreatedAt`; else the earliest message timestamp. An
 *   exchange with none is kept (empty timestamp, sorted last) unless a start date is set.
 *   Timestamps without an offset are UTC instants; the `timestamp` column is the UTC instant. Days
 *   (the start date, `fecha_primera_conversacion`) are calendar days in the config's `timeZone`
 *   (America/Bogota by default): 2026-11-22T03:00:00Z is the 21/11/2026.
 * - Feedback joins its exchange when the SK timestamps are the identical string. A feedback with no
 *   such exchange (or whose exchange is filtered out) is on no row and counted as orphaned, so
 *   `numero_feedback` always equals the user's exchange rows that carry feedback.
 * - Attributes: the latest REGISTER item's `UserData`; an attribute it lacks comes from the latest
 *   other item carrying it. A missing name is `Usuario Anónimo`.
 * - Filters are decided per user from those attributes before any join: an excluded user adds no
 *   row at all. Names match whole values ignoring case, accents, punctuation and spacing; city
 *   patterns are whole-value globs (see `AnalyticsFilters`). A user with no exchange gets no row.
 * - Multi-value cells: `pregunta`/`respuesta` join the exchange's messages with a line break;
 *   `conversacion_completa` is every message in time order, one per line, as `Usuario: …` or
 *   `Bot: …`; `pregunta_conversacion` and `respuesta_feedback` hold one value per line,
 *   de-duplicated ignoring case and spacing (the first spelling kept); `feedback_total` is a JSON
 *   array of `{timestamp, type, option, comment}` in time order.
 * - Scan order: DynamoDB returns a partition's items together, so one user is held at a time. A
 *   user id seen again after its row was written means the input is not a plain Scan: the run
 *   fails (`Export.PartitionSplit`) before anything is uploaded, rather than write split users.
 */

export type ConversationItem = Record<string, unknown>;

export const EXCHANGE_COLUMNS = [
  'usuario_id',
  'timestamp',
  'pregunta',
  'respuesta',
  'feedback_tipo',
  'feedback_opcion',
  'feedback_comentario',
  'nombre',
  'gerencia',
  'ciudad',
  'oficinas_asesoras',
  'subgerencia',
  'nivel_directivo',
] as const;

export const USER_COLUMNS = [
  'usuario_id',
  'nombre',
  'gerencia',
  'ciudad',
  'fecha_primera_conversacion',
  'numero_conversaciones',
  'conversacion_completa',
  'feedback_total',
  'numero_feedback',
  'pregunta_conversacion',
  'feedback',
  'respuesta_feedback',
] as const;

export type ExchangeColumn = (typeof EXCHANGE_COLUMNS)[number];
export type UserColumn = (typeof USER_COLUMNS)[number];
export type ExchangeRow = Record<ExchangeColumn, string>;
export type UserRow = Record<Exclude<UserColumn, 'numero_conversaciones' | 'numero_feedback'>, string> & {
  numero_conversaciones: number;
  numero_feedback: number;
};

export const ANONYMOUS_NAME = 'Usuario Anónimo';
const USER_KEY_PREFIX = 'USER#';
const ATTRIBUTES = ['nombre', 'gerencia', 'ciudad', 'oficinas_asesoras', 'subgerencia', 'nivel_directivo'] as const;
type Attribute = (typeof ATTRIBUTES)[number];
type UserAttributes = Record<Attribute, string>;

const USER_ROLES = new Set(['user', 'usuario']);
const BOT_ROLES = new Set(['bot', 'assistant', 'catia']);

interface Message {
  role: 'user' | 'bot';
  text: string;
}

interface Feedback {
  type: string;
  option: string;
  comment: string;
}

interface Exchange {
  stamp: string;
  time: Date | undefined;
  messages: Message[];
}

/** One user's items, as a Scan returns them together. */
export interface UserItems {
  userId: string;
  items: ConversationItem[];
}

export type ExclusionReason = 'city' | 'name' | 'no-exchanges';

export type UserExport =
  | { excluded: false; user: UserRow; exchanges: ExchangeRow[]; orphanedFeedback: number }
  | { excluded: true; reason: ExclusionReason };

// ---- reading items -------------------------------------------------------------------------------

const text = (value: unknown): string =>
  typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';

const asMap = (value: unknown): Record<string, unknown> | undefined => (isPlainObject(value) ? value : undefined);

const OFFSETLESS_DATE_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/u;

/**
 * An ISO string or epoch milliseconds (number or digits) as a Date; anything else undefined.
 * A date-time without an offset is UTC (as Python's `utcnow().isoformat()` writes it), never the
 * machine's local time.
 */
export function toInstant(value: unknown): Date | undefined {
  let time: number;
  const trimmed = typeof value === 'string' ? value.trim() : '';
  if (typeof value === 'number') time = value;
  else if (/^\d+$/u.test(trimmed)) time = Number(trimmed);
  else if (trimmed !== '') time = Date.parse(trimmed.replace(OFFSETLESS_DATE_TIME, '$1T$2Z'));
  else return undefined;
  return Number.isFinite(time) ? new Date(time) : undefined;
}

function sortKeyOf(item: ConversationItem): { type: string; stamp: string } | undefined {
  const sortKey = text(item.SK);
  const separator = sortKey.indexOf('#');
  if (separator < 0) return undefined;
  return { type: sortKey.slice(0, separator), stamp: sortKey.slice(separator + 1) };
}

/** The user id of an item's `PK` (`USER#<uuid>`), or undefined when it is not a user partition. */
export function userIdOf(item: ConversationItem): string | undefined {
  const partitionKey = text(item.PK);
  return partitionKey.startsWith(USER_KEY_PREFIX) && partitionKey.length > USER_KEY_PREFIX.length
    ? partitionKey.slice(USER_KEY_PREFIX.length)
    : undefined;
}

function messagesOf(item: ConversationItem): { messages: Message[]; times: Date[] } {
  const messages: Message[] = [];
  const times: Date[] = [];
  for (const entry of Array.isArray(item.Conversation) ? item.Conversation : []) {
    const message = asMap(entry);
    if (!message) continue;
    const from = text(message.from).toLowerCase();
    const role = USER_ROLES.has(from) ? 'user' : BOT_ROLES.has(from) ? 'bot' : undefined;
    const body = text(message.text);
    const time = toInstant(message.timestamp);
    if (time) times.push(time);
    if (role && body) messages.push({ role, text: body });
  }
  return { messages, times };
}

function exchangeOf(item: ConversationItem, stamp: string): Exchange {
  const { messages, times } = messagesOf(item);
  const earliestMessage = times.reduce<Date | undefined>((earliest, time) => (earliest && earliest <= time ? earliest : time), undefined);
  return { stamp, time: toInstant(stamp) ?? toInstant(item.CreatedAt) ?? earliestMessage, messages };
}

function feedbackOf(item: ConversationItem): Feedback | undefined {
  const feedback = asMap(item.Feedback);
  if (!feedback) return undefined;
  return { type: text(feedback.type).toLowerCase(), option: text(feedback.option), comment: text(feedback.comment) };
}

/** City without a trailing `(…)` suffix: `Bogotá (Sede Norte)` → `Bogotá`. */
export function cityWithoutSuffix(city: string): string {
  return city.replace(/\s*\([^()]*\)\s*$/u, '').trim();
}

function attributesOf(items: readonly ConversationItem[]): UserAttributes {
  const bySortKeyDescending = (a: ConversationItem, b: ConversationItem) => text(b.SK).localeCompare(text(a.SK));
  const registers = items.filter((item) => sortKeyOf(item)?.type === 'REGISTER').sort(bySortKeyDescending);
  const others = items.filter((item) => sortKeyOf(item)?.type !== 'REGISTER').sort(bySortKeyDescending);
  const sources = [...registers, ...others].map((item) => asMap(item.UserData)).filter((data) => data !== undefined);
  const attributes = Object.fromEntries(
    ATTRIBUTES.map((attribute) => [attribute, sources.map((data) => text(data[attribute])).find((value) => value !== '') ?? '']),
  ) as UserAttributes;
  attributes.ciudad = cityWithoutSuffix(attributes.ciudad);
  if (attributes.nombre === '') attributes.nombre = ANONYMOUS_NAME;
  return attributes;
}

// ---- filters -------------------------------------------------------------------------------------

const foldForMatch = (value: string): string => stripDiacritics(value).toLowerCase().replace(/\s+/gu, ' ').trim();
const foldName = (value: string): string =>
  foldForMatch(value)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/** A whole-value glob (`*`, `?`), case- and accent-insensitive, as a RegExp. */
export function cityPatternToRegExp(pattern: string): RegExp {
  const source = foldForMatch(pattern)
    .split(/([*?])/u)
    .map((part) => (part === '*' ? '.*' : part === '?' ? '.' : part.replace(/[.+^${}()|[\]\\]/gu, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 'u');
}

export interface CompiledFilters {
  excludedCity(city: string): boolean;
  excludedName(name: string): boolean;
  /** Start of the start date in the time zone, or undefined. */
  startsAt: Date | undefined;
}

export function compileFilters(filters: AnalyticsFilters, timeZone: string): CompiledFilters {
  const cityPatterns = filters.excludeCityPatterns.map(cityPatternToRegExp);
  const names = new Set(filters.excludeUserNames.map(foldName));
  return {
    excludedCity: (city) => city !== '' && cityPatterns.some((pattern) => pattern.test(foldForMatch(city))),
    excludedName: (name) => names.has(foldName(name)),
    startsAt: filters.startDate === null ? undefined : startOfDayInTimeZone(filters.startDate, timeZone),
  };
}

// ---- one user ------------------------------------------------------------------------------------

/** `DD/MM/YYYY` of the day an instant falls on in a time zone. */
export function formatDay(time: Date, timeZone: string): string {
  const day = dayInTimeZone(time.getTime(), timeZone);
  return `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;
}

const uniqueIgnoringCase = (values: readonly string[]): string[] => {
  const seen = new Set<string>();
  return values.filter((value) => {
    const key = value.toLowerCase().replace(/\s+/gu, ' ');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

const textsBy = (messages: readonly Message[], role: Message['role']) =>
  messages.filter((message) => message.role === role).map((message) => message.text);

function feedbackMix(feedback: readonly Feedback[]): string {
  const likes = feedback.some((entry) => entry.type === 'like');
  const dislikes = feedback.some((entry) => entry.type === 'dislike');
  return likes && dislikes ? 'mixed' : likes ? 'like' : dislikes ? 'dislike' : '';
}

const byTime = (a: Exchange, b: Exchange): number => {
  if (a.time && b.time && a.time.getTime() !== b.time.getTime()) return a.time.getTime() - b.time.getTime();
  if (a.time && !b.time) return -1;
  if (!a.time && b.time) return 1;
  return a.stamp.localeCompare(b.stamp);
};

/**
 * One user's rows from all of their items (filters first, then the joins), or why they have none;
 * `timeZone` dates `fecha_primera_conversacion`.
 */
export function exportUser({ userId, items }: UserItems, filters: CompiledFilters, timeZone: string): UserExport {
  const attributes = attributesOf(items);
  if (filters.excludedName(attributes.nombre)) return { excluded: true, reason: 'name' };
  if (filters.excludedCity(attributes.ciudad)) return { excluded: true, reason: 'city' };

  const exchanges: Exchange[] = [];
  const feedbackByStamp = new Map<string, Feedback>();
  for (const item of items) {
    const sortKey = sortKeyOf(item);
    if (sortKey?.type === 'CONVERSATION') exchanges.push(exchangeOf(item, sortKey.stamp));
    if (sortKey?.type === 'FEEDBACK') {
      const feedback = feedbackOf(item);
      if (feedback) feedbackByStamp.set(sortKey.stamp, feedback);
    }
  }
  const { startsAt } = filters;
  const inWindow = (exchange: Exchange) => startsAt === undefined || (exchange.time !== undefined && exchange.time >= startsAt);
  const kept = exchanges.filter(inWindow).sort(byTime);
  if (kept.length === 0) return { excluded: true, reason: 'no-exchanges' };

  const exchangeRows: ExchangeRow[] = [];
  const joined: Array<{ time: string; feedback: Feedback }> = [];
  for (const exchange of kept) {
    const time = exchange.time?.toISOString() ?? '';
    const feedback = feedbackByStamp.get(exchange.stamp);
    if (feedback) joined.push({ time, feedback });
    exchangeRows.push({
      usuario_id: userId,
      timestamp: time,
      pregunta: textsBy(exchange.messages, 'user').join('\n'),
      respuesta: textsBy(exchange.messages, 'bot').join('\n'),
      feedback_tipo: feedback?.type ?? '',
      feedback_opcion: feedback?.option ?? '',
      feedback_comentario: feedback?.comment ?? '',
      ...attributes,
    });
  }

  const feedback = joined.map((entry) => entry.feedback);
  const earliest = kept[0]?.time;
  const user: UserRow = {
    usuario_id: userId,
    nombre: attributes.nombre,
    gerencia: attributes.gerencia,
    ciudad: attributes.ciudad,
    fecha_primera_conversacion: earliest ? formatDay(earliest, timeZone) : '',
    numero_conversaciones: kept.length,
    conversacion_completa: kept
      .flatMap((exchange) => exchange.messages.map((message) => `${message.role === 'user' ? 'Usuario' : 'Bot'}: ${message.text}`))
      .join('\n'),
    feedback_total: JSON.stringify(
      joined.map(({ time, feedback: entry }) => ({
        timestamp: time,
        type: entry.type,
        option: entry.option,
        comment: entry.comment || null,
      })),
    ),
    numero_feedback: feedback.length,
    pregunta_conversacion: uniqueIgnoringCase(kept.flatMap((exchange) => textsBy(exchange.messages, 'user'))).join('\n'),
    feedback: feedbackMix(feedback),
    respuesta_feedback: uniqueIgnoringCase([
      ...feedback.map((entry) => entry.comment).filter(Boolean),
      ...feedback.map((entry) => entry.option).filter(Boolean),
    ]).join('\n'),
  };
  return { excluded: false, user, exchanges: exchangeRows, orphanedFeedback: feedbackByStamp.size - joined.length };
}

// ---- the scan ------------------------------------------------------------------------------------

/**
 * Groups a paged Scan into users, holding one user's items at a time (plus the ids of the users
 * already yielded, to detect a split partition). Items that are not in a `USER#` partition are
 * passed to `onSkipped` (the caller counts them).
 */
export async function* groupByUser(
  pages: AsyncIterable<readonly ConversationItem[]>,
  onSkipped: (item: ConversationItem) => void = () => undefined,
): AsyncGenerator<UserItems> {
  const finished = new Set<string>();
  let current: UserItems | undefined;
  for await (const page of pages) {
    for (const item of page) {
      const userId = userIdOf(item);
      if (userId === undefined) {
        onSkipped(item);
        continue;
      }
      if (current?.userId === userId) {
        current.items.push(item);
        continue;
      }
      if (finished.has(userId)) {
        throw new PartitionSplitError(`items of user ${userId} came again after other users: the input is not grouped by PK`);
      }
      if (current) {
        finished.add(current.userId);
        yield current;
      }
      current = { userId, items: [item] };
    }
  }
  if (current) yield current;
}

// ---- the run -------------------------------------------------------------------------------------

/** Where a run's CSV files go: one `dt=` partition per run date, so other dates are never touched. */
export function exportKeys(exportPrefix: string, runDate: string): { exchanges: string; users: string } {
  return {
    exchanges: `${exportPrefix}exchanges/dt=${runDate}/exchanges.csv`,
    users: `${exportPrefix}users/dt=${runDate}/users.csv`,
  };
}

export interface ExportSummary {
  runDate: string;
  keys: { exchanges: string; users: string };
  rows: { exchanges: number; users: number };
  excludedUsers: Record<ExclusionReason, number>;
  feedback: { joined: number; orphaned: number };
  skippedItems: number;
}

export interface ExportOptions {
  pages: AsyncIterable<readonly ConversationItem[]>;
  config: AnalyticsConfig;
  runDate: string;
  store: ObjectStore;
  /** Where the CSV files are written before upload (a Lambda's /tmp); the OS temp folder by default. */
  workDir?: string;
}

const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

/**
 * Streams the scan into two local CSV files, then uploads both into the run date's partition. A
 * failed scan uploads nothing; re-running a date replaces that date's two files only.
 */
export async function exportConversations(options: ExportOptions): Promise<ExportSummary> {
  const { timeZone } = options.config;
  const filters = compileFilters(options.config.filters, timeZone);
  const keys = exportKeys(options.config.exportPrefix, options.runDate);
  const folder = await mkdtemp(join(options.workDir ?? tmpdir(), 'conversation-export-'));
  try {
    const exchangesPath = join(folder, 'exchanges.csv');
    const usersPath = join(folder, 'users.csv');
    const exchangesFile = createCsvTableWriter(exchangesPath, EXCHANGE_COLUMNS);
    const usersFile = createCsvTableWriter(usersPath, USER_COLUMNS);
    const summary: ExportSummary = {
      runDate: options.runDate,
      keys,
      rows: { exchanges: 0, users: 0 },
      excludedUsers: { city: 0, name: 0, 'no-exchanges': 0 },
      feedback: { joined: 0, orphaned: 0 },
      skippedItems: 0,
    };
    try {
      for await (const group of groupByUser(options.pages, () => (summary.skippedItems += 1))) {
        const result = exportUser(group, filters, timeZone);
        if (result.excluded) {
          summary.excludedUsers[result.reason] += 1;
          continue;
        }
        for (const row of result.exchanges) await exchangesFile.write(row);
        await usersFile.write(result.user);
        summary.feedback.joined += result.user.numero_feedback;
        summary.feedback.orphaned += result.orphanedFeedback;
      }
    } finally {
      await Promise.all([exchangesFile.close(), usersFile.close()]);
    }
    summary.rows = { exchanges: exchangesFile.rows, users: usersFile.rows };
    await options.store.putFile(keys.exchanges, exchangesPath, CSV_CONTENT_TYPE);
    await options.store.putFile(keys.users, usersPath, CSV_CONTENT_TYPE);
    return summary;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
