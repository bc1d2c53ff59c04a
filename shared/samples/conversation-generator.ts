import { seededDraws } from './seeded-random.ts';

/** Names the generator gives its test users, and the city of its QA users: what an export's filters exclude. */
export const GENERATED_TEST_USER_NAMES = ['Usuario Prueba', 'Test QA'] as const;
export const GENERATED_TEST_CITY = 'Pruebas QA';

const NAMES = [
  'María Fernanda Gómez',
  'José Luis Pérez',
  'Ana Lucía Rodríguez',
  'Carlos Andrés Muñoz',
  'Luz Dary Ospina',
  'Jhon Jairo Castaño',
  'Paola Andrea Núñez',
  'Óscar Iván Peña',
];
const CITIES = ['Bogotá', 'Medellín (Antioquia)', 'Cali', 'Barranquilla (Sede Norte)', 'Bucaramanga', 'Pereira (Oficina 2)', 'Cartagena'];
const GERENCIAS = ['Gerencia Comercial', 'Gerencia de Operaciones', 'Gerencia Financiera', 'Gerencia de Talento Humano'];
const SUBGERENCIAS = ['Subgerencia de Ventas', 'Subgerencia de Riesgo', 'Subgerencia de Servicio'];
const NIVELES = ['Directivo', 'Profesional', 'Técnico'];
const QUESTIONS = [
  '¿Cómo solicito mis vacaciones?',
  'Necesito el certificado laboral, ¿dónde lo descargo?',
  'El portal dice "acceso denegado" | ¿qué hago?',
  '¿Cuál es el horario de la oficina de Medellín?',
  'Quiero actualizar mi dirección:\nCra. 15 # 100 - 25, apto 301',
  '¿Cómo registro una incapacidad?',
  'Opción A | Opción B: ¿cuál aplica para mí?',
  '¿Qué es el "día de la familia"?',
];
const ANSWERS = [
  'Puedes solicitarlas en el portal de autogestión, sección "Mis solicitudes".',
  'Descárgalo en Talento Humano > Certificados | Certificado laboral.',
  'Intenta cerrar sesión y volver a ingresar; si persiste, escribe a soporte.',
  'El horario es de lunes a viernes, 7:00 a. m. a 5:00 p. m.',
  'Listo, ya quedó registrada tu solicitud.\nTe llegará un correo de confirmación.',
];
const GREETINGS = ['¡Hola! Soy CatIA, ¿en qué te puedo ayudar hoy?', 'Recuerda que puedes calificar mis respuestas 👍👎'];
const OPTIONS_LIKE = ['Respuesta útil', 'Rápido y claro'];
const OPTIONS_DISLIKE = ['Respuesta incorrecta', 'No entendió mi pregunta', 'Información desactualizada'];
const COMMENTS = ['Muy bien, gracias', 'Faltó el enlace | no lo encontré', 'Me dijo "no sé"\notra vez'];
const USER_ROLES = ['user', 'usuario'];
const BOT_ROLES = ['bot', 'assistant', 'catia'];

const START = Date.parse('2025-01-06T13:00:00.000Z');
const HOUR = 3_600_000;

type Item = Record<string, unknown>;

/**
 * Items of `userCount` chatbot users as a Scan returns them (each user's items together, by SK):
 * a REGISTER item (sometimes without a name, sometimes a test user or a QA city, cities with `(…)`
 * suffixes), 1–6 CONVERSATION items of 1–3 messages (some bot-only, `from` in every spelling,
 * message timestamps as ISO or epoch ms, Spanish texts with `|`, quotes and line breaks, some
 * without `CreatedAt`) and FEEDBACK items on about a third of the exchanges. Same seed, same items.
 */
export function generateConversationItems(userCount: number, seed = 7): Item[] {
  const { random, pick, uuid } = seededDraws(seed);
  const items: Item[] = [];

  for (let index = 0; index < userCount; index += 1) {
    const PK = `USER#${uuid()}`;
    const roll = random();
    const nombre = roll < 0.08 ? pick(GENERATED_TEST_USER_NAMES) : roll < 0.15 ? undefined : pick(NAMES);
    const userData: Record<string, string> = {
      ...(nombre === undefined ? {} : { nombre }),
      ...(random() < 0.1 ? { ciudad: GENERATED_TEST_CITY } : random() < 0.75 ? { ciudad: pick(CITIES) } : { gerencia: pick(GERENCIAS) }),
      ...(random() < 0.4 ? { subgerencia: pick(SUBGERENCIAS), nivel_directivo: pick(NIVELES) } : {}),
      ...(random() < 0.2 ? { oficinas_asesoras: 'Oficina Asesora de Planeación' } : {}),
    };
    let time = START + Math.floor(random() * 60 * 24) * HOUR;
    const registeredAt = new Date(time).toISOString();
    const userItems: Item[] = [{ PK, SK: `REGISTER#${registeredAt}`, CreatedAt: registeredAt, UserData: userData }];

    const exchanges = 1 + Math.floor(random() * 6);
    for (let exchange = 0; exchange < exchanges; exchange += 1) {
      time += Math.floor(random() * 72 * HOUR) + 60_000;
      const stamp = new Date(time).toISOString();
      const shape = random();
      const roles = shape < 0.12 ? ['bot'] : shape < 0.2 ? ['user'] : shape < 0.35 ? ['user', 'bot', 'bot'] : ['user', 'bot'];
      const Conversation = roles.map((role, position) => {
        const at = time + position * 2_000;
        const isUser = role === 'user';
        return {
          from: pick(isUser ? USER_ROLES : BOT_ROLES),
          text: isUser ? pick(QUESTIONS) : roles.length === 1 || position === 2 ? pick(GREETINGS) : pick(ANSWERS),
          timestamp: random() < 0.5 ? at : new Date(at).toISOString(),
        };
      });
      userItems.push({
        PK,
        SK: `CONVERSATION#${stamp}`,
        ...(random() < 0.15 ? {} : { CreatedAt: stamp }),
        UserData: userData,
        Conversation,
      });
      if (random() < 0.35) {
        const type = random() < 0.6 ? 'like' : 'dislike';
        userItems.push({
          PK,
          SK: `FEEDBACK#${stamp}`,
          CreatedAt: stamp,
          Feedback: {
            type,
            option: pick(type === 'like' ? OPTIONS_LIKE : OPTIONS_DISLIKE),
            ...(random() < 0.4 ? { comment: pick(COMMENTS) } : {}),
          },
        });
      }
    }
    items.push(...userItems.sort((a, b) => String(a.SK).localeCompare(String(b.SK))));
  }
  return items;
}
