import { itemTimeOf } from '#shared/analytics/token-cost-rows.ts';
import type { ChatItem, ChatItemSource } from '#shared/stores/chat-item-source.ts';
import { seededDraws } from './seeded-random.ts';

/**
 * Bedrock Chat conversation items as the aws-samples Bedrock Chat backend stores them: `PK` user id,
 * `SK` `<user>#CONV#<conversation>`, `CreateTime` epoch ms, `TotalPrice`, `MessageMap` a JSON string
 * of nodes (`system` root, `instruction` root for custom bots, user/assistant turns chained by
 * parent/children). Mixed in, as in a real table: tool use (agent `thinking_log`), images,
 * attachments, retrieved `used_chunks`, reasoning, items without a MessageMap or with an empty or
 * broken one, large maps offloaded to S3 (only `system` left), and bot / related-document items
 * that are not conversations.
 */

export const CHAT_MODELS = ['claude-v3-haiku', 'claude-v3.5-sonnet', 'claude-v3.7-sonnet', 'amazon-nova-pro', 'amazon-nova-lite'] as const;

/** USD per million tokens for CHAT_MODELS, in the analytics config's `prices` shape. */
export const CHAT_MODEL_PRICES = {
  'claude-v3-haiku': { inputPerMillion: 0.25, outputPerMillion: 1.25 },
  'claude-v3.5-sonnet': { inputPerMillion: 3, outputPerMillion: 15 },
  'claude-v3.7-sonnet': { inputPerMillion: 3, outputPerMillion: 15 },
  'amazon-nova-pro': { inputPerMillion: 0.8, outputPerMillion: 3.2 },
  'amazon-nova-lite': { inputPerMillion: 0.06, outputPerMillion: 0.24 },
} as const;

export interface ChatItemGeneratorOptions {
  /** First possible CreateTime (epoch ms); 2025-03-01T05:00Z (midnight in Bogotá) by default. */
  startTime?: number;
  /** CreateTimes spread over this many days. */
  days?: number;
  users?: number;
}

const QUESTIONS = [
  '¿Cómo solicito vacaciones en el portal?',
  'Necesito el certificado laboral para el banco, ¿dónde lo descargo?',
  'Resume este documento en tres puntos.',
  '¿Cuál es el procedimiento para reportar un incidente de seguridad?',
  'Redacta un correo para la gerencia sobre el cierre del trimestre.',
  '¿Qué dice la política de teletrabajo sobre los días presenciales?',
  'Explícame la diferencia entre un CDP y un RP.',
  'Tradúceme al inglés el siguiente párrafo.',
];

const ANSWERS = [
  'Para solicitar vacaciones ingresa al portal de autoservicio, opción Novedades, y diligencia el formulario con las fechas.',
  'Puedes descargar el certificado laboral desde el módulo de Talento Humano; se genera en PDF con firma digital.',
  'Estos son los tres puntos principales del documento: alcance del proyecto, cronograma y responsables.',
  'Debes reportar el incidente a la mesa de ayuda dentro de las 24 horas siguientes y adjuntar la evidencia.',
  'Claro, aquí tienes un borrador del correo con el resumen del cierre y los pendientes para la próxima semana.',
  'La política establece tres días presenciales por semana, acordados con el jefe inmediato.',
];

const INSTRUCTIONS = [
  'Eres un asistente de la entidad. Responde en español, con lenguaje claro y cita la fuente cuando la uses.',
  'Actúa como analista de normatividad interna. Si no sabes la respuesta, dilo.',
];

const CHUNKS = [
  'Artículo 12. Las vacaciones se concederán de oficio o a petición del funcionario, dentro del año siguiente.',
  'Procedimiento GTH-P-04: expedición de certificaciones laborales a través del portal de autoservicio.',
  'Manual de seguridad de la información, numeral 5.3: gestión de incidentes.',
];

const ULID_ALPHABET = [...'0123456789ABCDEFGHJKMNPQRSTVWXYZ'];

export function generateChatItems(count: number, seed: number, options: ChatItemGeneratorOptions = {}): ChatItem[] {
  const { random, pick, uuid } = seededDraws(seed);
  const startTime = options.startTime ?? Date.UTC(2025, 2, 1, 5);
  const spanMs = (options.days ?? 30) * 86_400_000;
  const chance = (probability: number) => random() < probability;
  const id = (length: number) => Array.from({ length }, () => pick(ULID_ALPHABET)).join('');
  const users = Array.from({ length: options.users ?? 12 }, () => uuid());
  const text = (pool: readonly string[], maxRepeats: number) =>
    Array.from({ length: 1 + Math.floor(random() * maxRepeats) }, () => pick(pool)).join(' ');

  /** The nodes, and the create_time (epoch ms) of the last one (the item's LastUpdateTime). */
  function messageMap(model: string, createTime: number, offloaded: boolean): { nodes: Record<string, Record<string, unknown>>; lastTime: number } {
    let time = createTime;
    const node = (role: string, content: unknown[], parent: string | null, extra: Record<string, unknown> = {}) => ({
      role,
      content,
      model,
      children: [] as string[],
      parent,
      create_time: (time += Math.floor(random() * 120_000)),
      feedback: null,
      used_chunks: null,
      thinking_log: null,
      ...extra,
    });
    const textPart = (body: string) => ({ content_type: 'text', media_type: null, body });
    const map: Record<string, ReturnType<typeof node>> = { system: node('system', [textPart('')], null) };
    if (offloaded) return { nodes: map, lastTime: time };
    let parent = 'system';
    if (chance(0.4)) {
      map.instruction = node('instruction', [textPart(pick(INSTRUCTIONS))], 'system');
      map.system?.children.push('instruction');
      parent = 'instruction';
    }
    const turns = 1 + Math.floor(random() * 3);
    for (let turn = 0; turn < turns; turn += 1) {
      const userId = id(26);
      const userContent: unknown[] = [textPart(text(QUESTIONS, 2))];
      if (chance(0.1)) userContent.push({ content_type: 'image', media_type: 'image/png', body: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk' });
      if (chance(0.05)) userContent.push({ content_type: 'attachment', file_name: 'informe.pdf', body: 'JVBERi0xLjcKJcfsj6IKNSAwIG9iago=' });
      map[userId] = node('user', userContent, parent);
      map[parent]?.children.push(userId);

      const assistantId = id(26);
      const extra: Record<string, unknown> = {};
      if (chance(0.2)) extra.used_chunks = [{ content: pick(CHUNKS), content_type: 's3', source: 's3://kb/politicas.pdf', rank: 0 }];
      if (chance(0.15)) {
        const toolUseId = `tooluse_${id(12)}`;
        extra.thinking_log = [
          { role: 'assistant', content: [{ content_type: 'toolUse', body: { tool_use_id: toolUseId, name: 'knowledge_base_tool', input: { query: pick(QUESTIONS) } } }] },
          {
            role: 'user',
            content: [{ content_type: 'toolResult', body: { tool_use_id: toolUseId, content: [{ text: pick(CHUNKS) }, { json: { source: 'politicas.pdf', page: 3 } }], status: 'success' } }],
          },
        ];
      }
      const assistantContent: unknown[] = [];
      if (chance(0.05)) assistantContent.push({ content_type: 'reasoning', text: 'El usuario pregunta por un procedimiento interno; busco en la base.', signature: 'sig', redacted_content: '' });
      assistantContent.push(textPart(text(ANSWERS, 3)));
      const assistant: Partial<ReturnType<typeof node>> = node('assistant', assistantContent, userId, extra);
      // A few assistant nodes name no model: the conversation then falls back to the other nodes'.
      if (chance(0.03)) delete assistant.model;
      map[assistantId] = assistant as ReturnType<typeof node>;
      map[userId]?.children.push(assistantId);
      parent = assistantId;
    }
    return { nodes: map, lastTime: time };
  }

  return Array.from({ length: count }, () => {
    const user = pick(users);
    const createTime = startTime + Math.floor(random() * spanMs);
    const kind = random();
    if (kind < 0.04) {
      const sk = chance(0.5) ? `${user}#BOT#${id(26)}` : `${user}#RELATED_DOCUMENT#${id(26)}#${id(8)}`;
      return { PK: user, SK: sk, CreateTime: createTime, Title: 'Asistente de normatividad' };
    }
    const model = pick(CHAT_MODELS);
    const item: ChatItem = {
      PK: user,
      SK: `${user}#CONV#${id(26)}`,
      Title: 'Nueva conversación',
      CreateTime: createTime,
      LastMessageId: id(26),
      ShouldContinue: false,
    };
    if (!chance(0.03)) item.TotalPrice = Math.round(random() * 0.05 * 1e6) / 1e6;
    if (kind < 0.07) return item;
    if (kind < 0.09) item.MessageMap = JSON.stringify(messageMap(model, createTime, false).nodes).slice(0, 40);
    else if (kind < 0.1) item.MessageMap = '';
    else {
      const offloaded = kind < 0.11;
      const { nodes, lastTime } = messageMap(model, createTime, offloaded);
      item.MessageMap = JSON.stringify(nodes);
      item.IsLargeMessage = offloaded;
      if (offloaded) item.LargeMessagePath = `${user}/${String(item.SK).split('#CONV#')[1]}/message_map.json`;
      // Older Bedrock Chat versions did not store LastUpdateTime.
      if (chance(0.7)) item.LastUpdateTime = lastTime;
    }
    return item;
  });
}

/** An in-memory chat table: pages of `pageSize` items changed after `after`, like the DynamoDB source's Scan filter. */
export function inMemoryChatSource(items: readonly ChatItem[], pageSize = 500): ChatItemSource & { pagesRead: number; itemsRead: number } {
  const source = {
    pagesRead: 0,
    itemsRead: 0,
    async *pages(after: number | undefined) {
      let page: ChatItem[] = [];
      for (const item of items) {
        if (after !== undefined && !((itemTimeOf(item) ?? 0) > after)) continue;
        page.push(item);
        if (page.length === pageSize) {
          source.pagesRead += 1;
          source.itemsRead += page.length;
          yield page;
          page = [];
        }
      }
      if (page.length > 0) {
        source.pagesRead += 1;
        source.itemsRead += page.length;
        yield page;
      }
    },
  };
  return source;
}
