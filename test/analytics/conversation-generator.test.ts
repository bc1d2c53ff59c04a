import { describe, expect, it } from 'vitest';
import { GENERATED_TEST_CITY, GENERATED_TEST_USER_NAMES, generateConversationItems } from '#shared/samples/conversation-generator.ts';

type Item = Record<string, unknown>;
const ITEMS = generateConversationItems(200, 7);
const typeOf = (item: Item) => String(item.SK).split('#')[0];
const messagesOf = (item: Item) => (item.Conversation ?? []) as Array<{ from: string; text: string; timestamp: unknown }>;
const conversations = ITEMS.filter((item) => typeOf(item) === 'CONVERSATION');

describe('conversation generator', () => {
  it('is deterministic per seed', () => {
    expect(generateConversationItems(20, 3)).toEqual(generateConversationItems(20, 3));
    expect(generateConversationItems(20, 3)).not.toEqual(generateConversationItems(20, 4));
  });

  it('gives each user one REGISTER item, their items together and in SK order, as a Scan would', () => {
    const partitions = ITEMS.map((item) => String(item.PK)).filter((pk, index, all) => pk !== all[index - 1]);
    expect(partitions).toHaveLength(200);
    expect(new Set(partitions).size).toBe(200);
    expect(ITEMS.filter((item) => typeOf(item) === 'REGISTER')).toHaveLength(200);
    for (const pk of partitions) {
      const sortKeys = ITEMS.filter((item) => item.PK === pk).map((item) => String(item.SK));
      expect(sortKeys).toEqual([...sortKeys].sort());
    }
    expect(ITEMS.every((item) => /^USER#[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/u.test(String(item.PK)))).toBe(true);
  });

  it('has the messy cases the export must handle', () => {
    const registers = ITEMS.filter((item) => typeOf(item) === 'REGISTER').map((item) => item.UserData as Record<string, string>);
    const texts = conversations.flatMap(messagesOf).map((message) => message.text);
    expect(registers.some((data) => data.nombre === undefined)).toBe(true);
    expect(registers.some((data) => (GENERATED_TEST_USER_NAMES as readonly string[]).includes(data.nombre ?? ''))).toBe(true);
    expect(registers.some((data) => data.ciudad === GENERATED_TEST_CITY)).toBe(true);
    expect(registers.some((data) => /\(.+\)$/u.test(data.ciudad ?? ''))).toBe(true);
    expect(registers.some((data) => data.gerencia !== undefined && data.ciudad === undefined)).toBe(true);
    expect(conversations.some((item) => messagesOf(item).every((message) => ['bot', 'assistant', 'catia'].includes(message.from)))).toBe(true);
    expect(new Set(conversations.flatMap(messagesOf).map((message) => message.from))).toEqual(new Set(['user', 'usuario', 'bot', 'assistant', 'catia']));
    expect(conversations.flatMap(messagesOf).some((message) => typeof message.timestamp === 'number')).toBe(true);
    expect(conversations.flatMap(messagesOf).some((message) => typeof message.timestamp === 'string')).toBe(true);
    expect(conversations.some((item) => item.CreatedAt === undefined)).toBe(true);
    expect(texts.some((text) => text.includes('|'))).toBe(true);
    expect(texts.some((text) => text.includes('"'))).toBe(true);
    expect(texts.some((text) => text.includes('\n'))).toBe(true);
  });

  it('gives every FEEDBACK item a CONVERSATION of the same user with the identical SK timestamp', () => {
    const conversationKeys = new Set(conversations.map((item) => `${String(item.PK)}|${String(item.SK).slice('CONVERSATION#'.length)}`));
    const feedback = ITEMS.filter((item) => typeOf(item) === 'FEEDBACK');
    expect(feedback.length).toBeGreaterThan(conversations.length / 5);
    for (const item of feedback) {
      expect(conversationKeys.has(`${String(item.PK)}|${String(item.SK).slice('FEEDBACK#'.length)}`)).toBe(true);
      expect(['like', 'dislike']).toContain((item.Feedback as { type: string }).type);
    }
  });
});
