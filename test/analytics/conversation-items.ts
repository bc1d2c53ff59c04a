import { parseAnalyticsConfig, type AnalyticsConfigInput } from '#shared/analytics/analytics-config.ts';
import {
  compileFilters,
  exportUser,
  groupByUser,
  type ConversationItem,
  type ExchangeRow,
  type UserRow,
} from '#shared/analytics/conversation-export.ts';

/** Builders of conversations-table items for the analytics tests. */
export const register = (user: string, at: string, userData: Record<string, unknown>): ConversationItem => ({
  PK: `USER#${user}`,
  SK: `REGISTER#${at}`,
  CreatedAt: at,
  UserData: userData,
});

export const conversation = (
  user: string,
  at: string,
  messages: Array<[from: string, text: string]>,
  extra: Record<string, unknown> = {},
): ConversationItem => ({
  PK: `USER#${user}`,
  SK: `CONVERSATION#${at}`,
  CreatedAt: at,
  Conversation: messages.map(([from, text], index) => ({ from, text, timestamp: Date.parse(at) + index * 1_000 })),
  ...extra,
});

export const feedback = (
  user: string,
  at: string,
  type: 'like' | 'dislike',
  option: string,
  comment?: string,
): ConversationItem => ({
  PK: `USER#${user}`,
  SK: `FEEDBACK#${at}`,
  CreatedAt: at,
  Feedback: { type, option, ...(comment === undefined ? {} : { comment }) },
});

export async function* inPages<T>(items: readonly T[], pageSize: number): AsyncGenerator<T[]> {
  for (let start = 0; start < items.length; start += pageSize) yield items.slice(start, start + pageSize);
}

/** Every user's rows in memory (the domain without files): exchanges, users and exclusions. */
export async function exportInMemory(items: readonly ConversationItem[], config: AnalyticsConfigInput = {}, pageSize = 1_000) {
  const { filters: filterConfig, timeZone } = parseAnalyticsConfig(config);
  const filters = compileFilters(filterConfig, timeZone);
  const exchanges: ExchangeRow[] = [];
  const users: UserRow[] = [];
  const excluded: Record<string, string> = {};
  let orphanedFeedback = 0;
  for await (const group of groupByUser(inPages(items, pageSize))) {
    const result = exportUser(group, filters, timeZone);
    if (result.excluded) {
      excluded[group.userId] = result.reason;
      continue;
    }
    exchanges.push(...result.exchanges);
    users.push(result.user);
    orphanedFeedback += result.orphanedFeedback;
  }
  const user = (id: string) => users.find((row) => row.usuario_id === id);
  return { exchanges, users, excluded, orphanedFeedback, user, exchangesOf: (id: string) => exchanges.filter((row) => row.usuario_id === id) };
}
