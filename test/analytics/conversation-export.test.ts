import { describe, expect, it } from 'vitest';
import { PartitionSplitError } from '#shared/errors/normflow-errors.ts';
import { generateConversationItems } from '#shared/samples/conversation-generator.ts';
import { ANONYMOUS_NAME, cityPatternToRegExp, cityWithoutSuffix, groupByUser, toInstant, USER_COLUMNS } from '#shared/analytics/conversation-export.ts';
import { conversation, exportInMemory, feedback, inPages, register } from './conversation-items.ts';

const ANA = 'a0000000-0000-4000-a000-000000000001';
const BETO = 'b0000000-0000-4000-a000-000000000002';
const TEST = 'c0000000-0000-4000-a000-000000000003';

describe('seed bugs of the pandas Lambda', () => {
  it('bug: feedback shifted onto the wrong users after filtering — an excluded user’s feedback stays out and others keep their own', async () => {
    const items = [
      register(TEST, '2025-01-01T00:00:00.000Z', { nombre: 'Usuario Prueba', ciudad: 'Bogotá' }),
      conversation(TEST, '2025-01-02T10:00:00.000Z', [['user', 'prueba 1'], ['bot', 'ok']]),
      feedback(TEST, '2025-01-02T10:00:00.000Z', 'dislike', 'Respuesta incorrecta', 'comentario de prueba'),
      register(ANA, '2025-01-01T00:00:00.000Z', { nombre: 'Ana Gómez', ciudad: 'Cali' }),
      conversation(ANA, '2025-01-03T10:00:00.000Z', [['user', '¿Vacaciones?'], ['bot', 'En el portal']]),
      register(BETO, '2025-01-01T00:00:00.000Z', { nombre: 'Beto Ruiz', ciudad: 'Pasto' }),
      conversation(BETO, '2025-01-04T10:00:00.000Z', [['user', '¿Certificado?'], ['bot', 'En Talento Humano']]),
      feedback(BETO, '2025-01-04T10:00:00.000Z', 'like', 'Respuesta útil'),
    ];
    const result = await exportInMemory(items, { filters: { excludeUserNames: ['usuario prueba'] } });
    expect(result.excluded).toEqual({ [TEST]: 'name' });
    expect(result.exchangesOf(ANA)).toEqual([expect.objectContaining({ feedback_tipo: '', feedback_opcion: '', feedback_comentario: '' })]);
    expect(result.user(ANA)).toMatchObject({ numero_feedback: 0, feedback: '', feedback_total: '[]', respuesta_feedback: '' });
    expect(result.exchangesOf(BETO)).toEqual([expect.objectContaining({ feedback_tipo: 'like', feedback_opcion: 'Respuesta útil' })]);
    expect(result.user(BETO)).toMatchObject({ numero_feedback: 1, feedback: 'like', respuesta_feedback: 'Respuesta útil' });
    expect(JSON.stringify(result)).not.toContain('comentario de prueba');
  });

  it('bug: one feedback copied onto all of a user’s conversations — it joins only the exchange with the identical SK timestamp', async () => {
    const items = [
      register(ANA, '2025-01-01T00:00:00.000Z', { nombre: 'Ana Gómez' }),
      conversation(ANA, '2025-01-02T10:00:00.000Z', [['user', 'primera'], ['bot', 'r1']]),
      conversation(ANA, '2025-01-03T10:00:00.000Z', [['user', 'segunda'], ['bot', 'r2']]),
      feedback(ANA, '2025-01-03T10:00:00.000Z', 'dislike', 'No entendió mi pregunta', 'faltó detalle'),
      conversation(ANA, '2025-01-04T10:00:00.000Z', [['user', 'tercera'], ['bot', 'r3']]),
    ];
    const { exchangesOf, user } = await exportInMemory(items);
    expect(exchangesOf(ANA).map((row) => [row.pregunta, row.feedback_tipo, row.feedback_opcion, row.feedback_comentario])).toEqual([
      ['primera', '', '', ''],
      ['segunda', 'dislike', 'No entendió mi pregunta', 'faltó detalle'],
      ['tercera', '', '', ''],
    ]);
    expect(user(ANA)).toMatchObject({ numero_conversaciones: 3, numero_feedback: 1, feedback: 'dislike' });
  });

  it('bug: first row taken instead of the earliest date — fecha_primera_conversacion is the earliest exchange whatever the item order', async () => {
    const items = [
      register(ANA, '2024-12-01T00:00:00.000Z', { nombre: 'Ana Gómez' }),
      conversation(ANA, '2025-03-10T10:00:00.000Z', [['user', 'marzo']]),
      conversation(ANA, '2025-02-05T23:30:00.000Z', [['user', 'febrero']]),
      { ...conversation(ANA, 'sin-fecha', [['user', 'enero']]), CreatedAt: undefined, Conversation: [{ from: 'user', text: 'enero', timestamp: Date.parse('2025-01-20T08:00:00.000Z') }] },
    ];
    const { user, exchangesOf } = await exportInMemory(items);
    expect(user(ANA)?.fecha_primera_conversacion).toBe('20/01/2025');
    expect(exchangesOf(ANA).map((row) => row.pregunta)).toEqual(['enero', 'febrero', 'marzo']);
    expect(user(ANA)?.pregunta_conversacion).toBe('enero\nfebrero\nmarzo');
  });

  it('bug: questions invented for bot-only rows — a bot-only exchange has no pregunta and adds no question', async () => {
    const items = [
      conversation(ANA, '2025-01-02T10:00:00.000Z', [['bot', '¡Hola! Soy CatIA, ¿en qué te ayudo?']]),
      conversation(ANA, '2025-01-02T10:05:00.000Z', [['catia', 'Recuerda calificar mis respuestas']]),
      conversation(ANA, '2025-01-02T10:06:00.000Z', [['usuario', '¿Horario?'], ['assistant', '7 a 5']]),
    ];
    const { exchangesOf, user } = await exportInMemory(items);
    expect(exchangesOf(ANA).map((row) => row.pregunta)).toEqual(['', '', '¿Horario?']);
    expect(exchangesOf(ANA)[0]?.respuesta).toBe('¡Hola! Soy CatIA, ¿en qué te ayudo?');
    expect(user(ANA)?.pregunta_conversacion).toBe('¿Horario?');
  });

  it('bug: zero counts turned into NULL — a user without feedback has numero_feedback 0 (a number, not empty)', async () => {
    const { user } = await exportInMemory([conversation(ANA, '2025-01-02T10:00:00.000Z', [['user', 'hola']])]);
    expect(user(ANA)?.numero_feedback).toBe(0);
    expect(user(ANA)?.numero_conversaciones).toBe(1);
    expect(user(ANA)?.feedback_total).toBe('[]');
  });
});

describe('§1 source items', () => {
  it('REGISTER items contribute attributes only, never an exchange', async () => {
    const items = [
      register(ANA, '2025-01-01T00:00:00.000Z', { nombre: 'Ana Gómez', ciudad: 'Cali', gerencia: 'Gerencia Comercial', oficinas_asesoras: 'OAP', subgerencia: 'Ventas', nivel_directivo: 'Profesional' }),
      conversation(ANA, '2025-01-02T10:00:00.000Z', [['user', 'hola'], ['bot', 'hola, Ana']]),
    ];
    const { exchanges, user } = await exportInMemory(items);
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]).toMatchObject({
      usuario_id: ANA,
      nombre: 'Ana Gómez',
      ciudad: 'Cali',
      gerencia: 'Gerencia Comercial',
      oficinas_asesoras: 'OAP',
      subgerencia: 'Ventas',
      nivel_directivo: 'Profesional',
    });
    expect(user(ANA)?.numero_conversaciones).toBe(1);
  });

  it('a user with REGISTER only gets no row (there is no exchange to date or count)', async () => {
    const { users, excluded } = await exportInMemory([register(ANA, '2025-01-01T00:00:00.000Z', { nombre: 'Ana' })]);
    expect(users).toEqual([]);
    expect(excluded).toEqual({ [ANA]: 'no-exchanges' });
  });

  it('the latest REGISTER wins; an attribute it lacks comes from the latest other item carrying it', async () => {
    const items = [
      register(ANA, '2025-01-01T00:00:00.000Z', { nombre: 'Ana Vieja', ciudad: 'Cali' }),
      register(ANA, '2025-02-01T00:00:00.000Z', { nombre: 'Ana Nueva' }),
      conversation(ANA, '2025-02-02T10:00:00.000Z', [['user', 'hola']], { UserData: { nombre: 'Otro', ciudad: 'Neiva', gerencia: 'Gerencia Financiera' } }),
    ];
    const { user } = await exportInMemory(items);
    expect(user(ANA)).toMatchObject({ nombre: 'Ana Nueva', ciudad: 'Cali', gerencia: 'Gerencia Financiera' });
  });

  it.each([
    ['Bogotá (Sede Principal)', 'Bogotá'],
    ['Medellín (Antioquia)', 'Medellín'],
    ['Cali', 'Cali'],
    ['San José (del Guaviare) (Sede 2)', 'San José (del Guaviare)'],
    ['  Pasto   ', 'Pasto'],
  ])('city %j is exported as %j (a trailing (…) suffix dropped)', async (raw, expected) => {
    expect(cityWithoutSuffix(raw)).toBe(expected);
    const { user, exchangesOf } = await exportInMemory([
      register(ANA, '2025-01-01T00:00:00.000Z', { nombre: 'Ana', ciudad: raw }),
      conversation(ANA, '2025-01-02T10:00:00.000Z', [['user', 'hola']]),
    ]);
    expect(user(ANA)?.ciudad).toBe(expected);
    expect(exchangesOf(ANA)[0]?.ciudad).toBe(expected);
  });

  it.each([[undefined], [''], ['   ']])('a missing name (%j) is “Usuario Anónimo”', async (nombre) => {
    const { user, exchangesOf } = await exportInMemory([
      register(ANA, '2025-01-01T00:00:00.000Z', nombre === undefined ? { ciudad: 'Cali' } : { nombre, ciudad: 'Cali' }),
      conversation(ANA, '2025-01-02T10:00:00.000Z', [['user', 'hola']]),
    ]);
    expect(user(ANA)?.nombre).toBe(ANONYMOUS_NAME);
    expect(exchangesOf(ANA)[0]?.nombre).toBe('Usuario Anónimo');
  });

  it('a user with no REGISTER item at all is exported too, anonymous', async () => {
    const { user } = await exportInMemory([conversation(ANA, '2025-01-02T10:00:00.000Z', [['user', 'hola']])]);
    expect(user(ANA)).toMatchObject({ nombre: 'Usuario Anónimo', ciudad: '', gerencia: '' });
  });

  it('every spelling of `from` is read: user|usuario are the user, bot|assistant|catia the bot (any case)', async () => {
    const { exchangesOf } = await exportInMemory([
      conversation(ANA, '2025-01-02T10:00:00.000Z', [['User', 'u1'], ['BOT', 'b1'], ['usuario', 'u2']]),
      conversation(ANA, '2025-01-02T11:00:00.000Z', [['assistant', 'b2'], ['Catia', 'b3'], ['system', 'ignorado']]),
    ]);
    expect(exchangesOf(ANA).map((row) => [row.pregunta, row.respuesta])).toEqual([
      ['u1\nu2', 'b1'],
      ['', 'b2\nb3'],
    ]);
  });

  it.each([
    ['ISO with Z', '2025-01-02T10:00:00.000Z', '2025-01-02T10:00:00.000Z'],
    ['ISO with an offset', '2025-01-02T05:00:00-05:00', '2025-01-02T10:00:00.000Z'],
    ['ISO without an offset (UTC)', '2025-01-02T10:00:00.123456', '2025-01-02T10:00:00.123Z'],
    ['epoch ms as a number', Date.parse('2025-01-02T10:00:00.000Z'), '2025-01-02T10:00:00.000Z'],
    ['epoch ms as digits', String(Date.parse('2025-01-02T10:00:00.000Z')), '2025-01-02T10:00:00.000Z'],
  ])('reads a timestamp given as %s', (_label, value, iso) => {
    expect(toInstant(value)?.toISOString()).toBe(iso);
  });

  it('the exchange time is the SK timestamp; without it CreatedAt; without both the earliest message (ISO or epoch ms)', async () => {
    const messages = [
      { from: 'user', text: 'q', timestamp: Date.parse('2025-01-05T09:00:02.000Z') },
      { from: 'bot', text: 'a', timestamp: '2025-01-05T09:00:01.000Z' },
    ];
    const { exchangesOf } = await exportInMemory([
      { PK: `USER#${ANA}`, SK: 'CONVERSATION#2025-01-03T10:00:00.000Z', Conversation: messages },
      { PK: `USER#${ANA}`, SK: 'CONVERSATION#no-es-fecha', CreatedAt: '2025-01-04T10:00:00.000Z', Conversation: messages },
      { PK: `USER#${ANA}`, SK: 'CONVERSATION#tampoco', Conversation: messages },
    ]);
    expect(exchangesOf(ANA).map((row) => row.timestamp)).toEqual([
      '2025-01-03T10:00:00.000Z',
      '2025-01-04T10:00:00.000Z',
      '2025-01-05T09:00:01.000Z',
    ]);
  });

  it('an exchange with no readable time at all is kept, last, with an empty timestamp', async () => {
    const { exchangesOf, user } = await exportInMemory([
      { PK: `USER#${ANA}`, SK: 'CONVERSATION#x', Conversation: [{ from: 'user', text: 'sin hora' }] },
      conversation(ANA, '2025-01-02T10:00:00.000Z', [['user', 'con hora']]),
    ]);
    expect(exchangesOf(ANA).map((row) => [row.pregunta, row.timestamp])).toEqual([
      ['con hora', '2025-01-02T10:00:00.000Z'],
      ['sin hora', ''],
    ]);
    expect(user(ANA)?.fecha_primera_conversacion).toBe('02/01/2025');
  });

  it('items outside USER# partitions or with unknown types are skipped', async () => {
    const skipped: unknown[] = [];
    const groups = [];
    for await (const group of groupByUser(
      inPages([{ PK: 'CONFIG', SK: 'X' }, conversation(ANA, '2025-01-02T10:00:00.000Z', [['user', 'hola']]), { PK: `USER#${ANA}`, SK: 'OTRO#1' }], 2),
      (item) => skipped.push(item),
    )) {
      groups.push(group);
    }
    expect(skipped).toHaveLength(1);
    expect(groups.map((group) => [group.userId, group.items.length])).toEqual([[ANA, 2]]);
    const { exchanges } = await exportInMemory(groups[0]?.items ?? []);
    expect(exchanges).toHaveLength(1);
  });
});

describe('§2 feedback', () => {
  it('a feedback whose SK timestamp matches no exchange lands on no row and is counted as orphaned', async () => {
    const result = await exportInMemory([
      conversation(ANA, '2025-01-02T10:00:00.000Z', [['user', 'hola']]),
      feedback(ANA, '2025-01-02T10:00:00Z', 'like', 'Útil'),
    ]);
    expect(result.exchangesOf(ANA)[0]?.feedback_tipo).toBe('');
    expect(result.user(ANA)?.numero_feedback).toBe(0);
    expect(result.orphanedFeedback).toBe(1);
  });

  it('never joins across users even when the timestamps are identical', async () => {
    const at = '2025-01-02T10:00:00.000Z';
    const { exchangesOf } = await exportInMemory([
      conversation(ANA, at, [['user', 'a']]),
      conversation(BETO, at, [['user', 'b']]),
      feedback(BETO, at, 'dislike', 'Mala'),
    ]);
    expect(exchangesOf(ANA)[0]?.feedback_tipo).toBe('');
    expect(exchangesOf(BETO)[0]?.feedback_tipo).toBe('dislike');
  });

  it.each([
    [['like', 'like'], 'like'],
    [['dislike'], 'dislike'],
    [['like', 'dislike'], 'mixed'],
    [[], ''],
  ] as const)('feedback types %j give feedback %j', async (types, expected) => {
    const items = types.flatMap((type, index) => {
      const at = `2025-01-0${index + 2}T10:00:00.000Z`;
      return [conversation(ANA, at, [['user', `p${index}`]]), feedback(ANA, at, type, `o${index}`)];
    });
    const { user } = await exportInMemory([conversation(ANA, '2025-01-01T10:00:00.000Z', [['user', 'p']]), ...items]);
    expect(user(ANA)?.feedback).toBe(expected);
    expect(user(ANA)?.numero_feedback).toBe(types.length);
  });

  it('feedback_total is the user’s feedback as a JSON array in time order; respuesta_feedback is comments then options, de-duplicated', async () => {
    const items = [
      conversation(ANA, '2025-01-03T10:00:00.000Z', [['user', 'b']]),
      feedback(ANA, '2025-01-03T10:00:00.000Z', 'like', 'Respuesta útil', 'Gracias | muy "clara"'),
      conversation(ANA, '2025-01-02T10:00:00.000Z', [['user', 'a']]),
      feedback(ANA, '2025-01-02T10:00:00.000Z', 'dislike', 'Respuesta incorrecta', 'Faltó el enlace'),
      conversation(ANA, '2025-01-04T10:00:00.000Z', [['user', 'c']]),
      feedback(ANA, '2025-01-04T10:00:00.000Z', 'like', 'respuesta  útil', 'faltó el enlace'),
    ];
    const { user } = await exportInMemory(items);
    expect(JSON.parse(user(ANA)?.feedback_total ?? '')).toEqual([
      { timestamp: '2025-01-02T10:00:00.000Z', type: 'dislike', option: 'Respuesta incorrecta', comment: 'Faltó el enlace' },
      { timestamp: '2025-01-03T10:00:00.000Z', type: 'like', option: 'Respuesta útil', comment: 'Gracias | muy "clara"' },
      { timestamp: '2025-01-04T10:00:00.000Z', type: 'like', option: 'respuesta  útil', comment: 'faltó el enlace' },
    ]);
    expect(user(ANA)?.respuesta_feedback).toBe('Faltó el enlace\nGracias | muy "clara"\nRespuesta incorrecta\nRespuesta útil');
    expect(user(ANA)).toMatchObject({ numero_feedback: 3, feedback: 'mixed' });
  });

  it('a feedback without a comment has comment null in feedback_total and adds only its option', async () => {
    const { user } = await exportInMemory([
      conversation(ANA, '2025-01-02T10:00:00.000Z', [['user', 'a']]),
      feedback(ANA, '2025-01-02T10:00:00.000Z', 'like', 'Rápido y claro'),
    ]);
    expect(JSON.parse(user(ANA)?.feedback_total ?? '')).toEqual([
      { timestamp: '2025-01-02T10:00:00.000Z', type: 'like', option: 'Rápido y claro', comment: null },
    ]);
    expect(user(ANA)?.respuesta_feedback).toBe('Rápido y claro');
  });
});

describe('§2 users row', () => {
  it('has the 12 dashboard columns in contract order', () => {
    expect(USER_COLUMNS).toEqual([
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
    ]);
  });

  it('pregunta_conversacion: the user’s own questions, de-duplicated (case and spacing), in time order', async () => {
    const { user } = await exportInMemory([
      conversation(ANA, '2025-01-03T10:00:00.000Z', [['user', '¿Cómo pido vacaciones?'], ['bot', 'Así']]),
      conversation(ANA, '2025-01-02T10:00:00.000Z', [['user', '¿Horario?'], ['bot', '7 a 5']]),
      conversation(ANA, '2025-01-04T10:00:00.000Z', [['user', '¿cómo  pido vacaciones?'], ['bot', 'Ya te dije']]),
      conversation(ANA, '2025-01-05T10:00:00.000Z', [['user', 'Opción A | Opción B']]),
    ]);
    expect(user(ANA)?.pregunta_conversacion).toBe('¿Horario?\n¿Cómo pido vacaciones?\nOpción A | Opción B');
    expect(user(ANA)?.numero_conversaciones).toBe(4);
  });

  it('conversacion_completa: every message in time order, one per line, as “Usuario: …” / “Bot: …”', async () => {
    const { user } = await exportInMemory([
      conversation(ANA, '2025-01-03T10:00:00.000Z', [['usuario', 'segunda'], ['catia', 'r2']]),
      conversation(ANA, '2025-01-02T10:00:00.000Z', [['user', 'primera'], ['bot', 'r1'], ['assistant', 'r1b']]),
    ]);
    expect(user(ANA)?.conversacion_completa).toBe('Usuario: primera\nBot: r1\nBot: r1b\nUsuario: segunda\nBot: r2');
  });

  it('text keeps | quotes and line breaks as they are', async () => {
    const text = 'Opción A | Opción B\n"entre comillas", con coma';
    const { exchangesOf } = await exportInMemory([conversation(ANA, '2025-01-02T10:00:00.000Z', [['user', text], ['bot', `Respuesta | ${text}`]])]);
    expect(exchangesOf(ANA)[0]).toMatchObject({ pregunta: text, respuesta: `Respuesta | ${text}` });
  });
});

describe('§2 filters from config (whole values, before any join)', () => {
  const people = [
    register(ANA, '2025-01-01T00:00:00.000Z', { nombre: 'Ana Gómez', ciudad: 'Prueba Piloto' }),
    conversation(ANA, '2025-01-02T10:00:00.000Z', [['user', 'a']]),
    register(BETO, '2025-01-01T00:00:00.000Z', { nombre: 'Usuario de Prueba Real', ciudad: 'Zona de prueba' }),
    conversation(BETO, '2025-01-02T10:00:00.000Z', [['user', 'b']]),
    register(TEST, '2025-01-01T00:00:00.000Z', { nombre: 'TEST QA', ciudad: 'Bogotá (QA)' }),
    conversation(TEST, '2025-01-02T10:00:00.000Z', [['user', 'c']]),
  ];

  it('excludes a user whose whole name matches, ignoring case, accents and spacing — never on a substring', async () => {
    const { excluded, users } = await exportInMemory(people, { filters: { excludeUserNames: ['test  qa', 'Prueba'] } });
    expect(excluded).toEqual({ [TEST]: 'name' });
    expect(users.map((row) => row.usuario_id).sort()).toEqual([ANA, BETO]);
  });

  it('city patterns are whole-value globs, case and accent insensitive, matched after the (…) suffix is dropped', async () => {
    const { excluded } = await exportInMemory(people, { filters: { excludeCityPatterns: ['prueba*', 'BOGOTA'] } });
    expect(excluded).toEqual({ [ANA]: 'city', [TEST]: 'city' });
  });

  it.each([
    ['prueba*', 'Prueba Piloto', true],
    ['prueba*', 'Zona de prueba', false],
    ['*prueba*', 'Zona de prueba', true],
    ['bogota', 'Bogotá', true],
    ['bogota', 'Bogotá Norte', false],
    ['pruebas qa', 'PRUEBAS  QA', true],
    ['sede ?', 'Sede 2', true],
    ['sede ?', 'Sede 12', false],
    ['a.b', 'axb', false],
  ])('pattern %j on city %j: excluded %s', (pattern, city, expected) => {
    expect(cityPatternToRegExp(pattern).test(city.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase().replace(/\s+/g, ' '))).toBe(expected);
  });

  it('startDate leaves out exchanges before the start of that day in Bogotá, and their feedback; the earliest date is taken among those left', async () => {
    const items = [
      conversation(ANA, '2025-02-01T04:59:59.999Z', [['user', 'antes']]),
      feedback(ANA, '2025-02-01T04:59:59.999Z', 'dislike', 'Mala'),
      conversation(ANA, '2025-02-01T05:00:00.000Z', [['user', 'después']]),
      { PK: `USER#${ANA}`, SK: 'CONVERSATION#?', Conversation: [{ from: 'user', text: 'sin fecha' }] },
      conversation(BETO, '2025-01-15T10:00:00.000Z', [['user', 'solo antes']]),
    ];
    const result = await exportInMemory(items, { filters: { startDate: '2025-02-01' } });
    expect(result.exchangesOf(ANA).map((row) => row.pregunta)).toEqual(['después']);
    expect(result.user(ANA)).toMatchObject({ fecha_primera_conversacion: '01/02/2025', numero_conversaciones: 1, numero_feedback: 0 });
    expect(result.excluded).toEqual({ [BETO]: 'no-exchanges' });
  });
});

describe('days in the configured time zone (America/Bogota by default)', () => {
  const lateNight = [conversation(ANA, '2026-11-22T03:00:00.000Z', [['user', 'de noche']])];

  it('an exchange at 2026-11-22T03:00:00Z is the 21/11/2026 in Bogotá; its timestamp stays the UTC instant', async () => {
    const { user, exchangesOf } = await exportInMemory(lateNight);
    expect(user(ANA)?.fecha_primera_conversacion).toBe('21/11/2026');
    expect(exchangesOf(ANA)[0]?.timestamp).toBe('2026-11-22T03:00:00.000Z');
  });

  it('follows the config’s timeZone', async () => {
    const { user } = await exportInMemory(lateNight, { timeZone: 'UTC' });
    expect(user(ANA)?.fecha_primera_conversacion).toBe('22/11/2026');
  });

  it('the startDate boundary is the start of that day in the zone', async () => {
    expect((await exportInMemory(lateNight, { filters: { startDate: '2026-11-21' } })).users).toHaveLength(1);
    expect((await exportInMemory(lateNight, { filters: { startDate: '2026-11-22' } })).excluded).toEqual({ [ANA]: 'no-exchanges' });
    expect((await exportInMemory(lateNight, { timeZone: 'UTC', filters: { startDate: '2026-11-22' } })).users).toHaveLength(1);
  });

  it('an offset-less timestamp is a UTC instant, then dated in the zone', async () => {
    const { user, exchangesOf } = await exportInMemory([{ PK: `USER#${ANA}`, SK: 'CONVERSATION#2026-11-22T03:00:00', Conversation: [{ from: 'user', text: 'sin zona' }] }]);
    expect(exchangesOf(ANA)[0]?.timestamp).toBe('2026-11-22T03:00:00.000Z');
    expect(user(ANA)?.fecha_primera_conversacion).toBe('21/11/2026');
  });
});

describe('paged scan', () => {
  it('a PK seen again after other users fails the export rather than splitting a user', async () => {
    const items = [
      conversation(ANA, '2025-01-02T10:00:00.000Z', [['user', 'a']]),
      conversation(BETO, '2025-01-02T10:00:00.000Z', [['user', 'b']]),
      feedback(ANA, '2025-01-02T10:00:00.000Z', 'like', 'Útil'),
    ];
    await expect(exportInMemory(items)).rejects.toThrow(PartitionSplitError);
    await expect(exportInMemory(items)).rejects.toMatchObject({ name: 'Export.PartitionSplit', message: expect.stringContaining(ANA) });
  });

  it.each([1, 2, 3, 7, 50])('page size %i gives the same rows as one page (generated items)', async (pageSize) => {
    const items = generateConversationItems(25, 11);
    const config = { filters: { excludeUserNames: ['Usuario Prueba'], excludeCityPatterns: ['pruebas*'] } };
    const whole = await exportInMemory(items, config, items.length);
    const paged = await exportInMemory(items, config, pageSize);
    expect(paged.users).toEqual(whole.users);
    expect(paged.exchanges).toEqual(whole.exchanges);
    expect(paged.excluded).toEqual(whole.excluded);
  });

  it('holds one user at a time: a user is yielded as soon as the next user starts', async () => {
    const seen: string[] = [];
    async function* pages() {
      yield [conversation(ANA, '2025-01-02T10:00:00.000Z', [['user', 'a']])];
      seen.push('page 2 read');
      yield [conversation(BETO, '2025-01-02T10:00:00.000Z', [['user', 'b']])];
      seen.push('page 3 read');
      yield [conversation(TEST, '2025-01-02T10:00:00.000Z', [['user', 'c']])];
    }
    for await (const group of groupByUser(pages())) seen.push(group.userId);
    expect(seen).toEqual(['page 2 read', ANA, 'page 3 read', BETO, TEST]);
  });
});
