import type { LeadItem } from '#shared/stores/store-ports.ts';
import { seededRandom } from './seeded-random.ts';

/**
 * Leads with known re-registrations, to measure duplicate detection: people drawn from skewed
 * name and city pools (so common names in big cities abound), a share of whom register again
 * with the usual drift — typos, casing and accents, a middle name dropped, surnames in another
 * field, a new or missing e-mail, the address re-worded or missing, the city typed another way.
 * Some very common names are also given, in the same city, to many different people: they must
 * not be paired.
 */

const GIVEN = ['María', 'José', 'Juan', 'Luis', 'Carlos', 'Ana', 'Andrés', 'Laura', 'Diana', 'Jorge', 'Sandra', 'Camilo', 'Paola', 'Felipe', 'Natalia', 'Sebastián', 'Valentina', 'Daniel', 'Alejandra', 'Óscar', 'Mónica', 'Julián', 'Catalina', 'Fernando', 'Lucía', 'Mauricio', 'Adriana', 'Ricardo', 'Gloria', 'Esteban', 'Yolanda', 'Hernán', 'Marcela', 'Iván', 'Liliana', 'Gustavo', 'Patricia', 'Wilson', 'Claudia', 'Édgar', 'Nelson', 'Rocío', 'Fabián', 'Ximena', 'Rubén', 'Tatiana', 'Álvaro', 'Johana', 'Héctor', 'Lorena'];
const SURNAMES = ['Rodríguez', 'Gómez', 'González', 'Martínez', 'García', 'López', 'Hernández', 'Sánchez', 'Ramírez', 'Pérez', 'Díaz', 'Torres', 'Moreno', 'Jiménez', 'Rojas', 'Vargas', 'Castro', 'Gutiérrez', 'Ortiz', 'Ruiz', 'Muñoz', 'Álvarez', 'Romero', 'Suárez', 'Herrera', 'Medina', 'Aguilar', 'Cárdenas', 'Ospina', 'Quintero', 'Restrepo', 'Cifuentes', 'Betancur', 'Arango', 'Zapata', 'Londoño', 'Valencia', 'Mejía', 'Salazar', 'Giraldo', 'Cardona', 'Osorio', 'Montoya', 'Patiño', 'Bermúdez', 'Velásquez', 'Guzmán', 'Escobar', 'Acosta', 'Mosquera', 'Palacios', 'Caicedo', 'Benavides', 'Sarmiento', 'Villamizar', 'Ocampo', 'Buitrago', 'Chaparro', 'Pineda', 'Tobón'];
/** City as typed (variants of one municipality), with its share of people. */
const CITIES: ReadonlyArray<{ forms: readonly string[]; weight: number }> = [
  { forms: ['Bogotá', 'bogota', 'Bogotá D.C.', 'BOGOTA DC'], weight: 30 },
  { forms: ['Medellín', 'medellin', 'Medellín, Antioquia', 'MEDELLIN'], weight: 14 },
  { forms: ['Cali', 'cali', 'Cali, Valle', 'Santiago de Cali'], weight: 10 },
  { forms: ['Barranquilla', 'b/quilla', 'barranquilla'], weight: 7 },
  { forms: ['Bucaramanga', 'bucaramanga', 'B/manga'], weight: 5 },
  { forms: ['Cartagena', 'cartagena de indias'], weight: 5 },
  { forms: ['Pereira', 'pereira'], weight: 3 },
  { forms: ['Manizales', 'manizales'], weight: 3 },
  { forms: ['Cúcuta', 'cucuta'], weight: 3 },
  { forms: ['Ibagué', 'ibague'], weight: 3 },
  { forms: ['Villavicencio', 'villavo'], weight: 2 },
  { forms: ['Pasto', 'pasto'], weight: 2 },
  { forms: ['Neiva', 'neiva'], weight: 2 },
  { forms: ['Envigado', 'envigado'], weight: 2 },
  { forms: ['Soacha', 'soacha'], weight: 2 },
  { forms: ['Tunja', 'tunja'], weight: 2 },
  { forms: ['Popayán', 'popayan'], weight: 2 },
  { forms: ['Montería', 'monteria'], weight: 2 },
  { forms: ['Valledupar', 'valledupar'], weight: 1 },
];
const VIAS = [['Calle', 'CL', 'cll', 'Cl.'], ['Carrera', 'CRA', 'kra', 'Cra.'], ['Avenida', 'AV', 'Av.'], ['Transversal', 'TV'], ['Diagonal', 'DG']];
const LEVELS = ['Bachiller', 'bachillerato', 'Técnico', 'tecnico', 'Tecnólogo', 'Profesional', 'universitario', 'Especialista', 'Magíster', 'Primaria'];
const OCCUPATIONS = ['Independiente', 'Empleado', 'Estudiante', 'Docente', 'Contador', 'Ingeniero', 'Enfermera', 'Vendedor', 'Desempleado', 'Abogado'];
const ORGANIZATIONS = ['Bancolombia', 'Ecopetrol', 'Sena', 'Alcaldía', 'Éxito', 'Rappi', 'Claro', 'Universidad Nacional', 'Independiente', 'Avianca'];
const DOMAINS = ['gmail.com', 'hotmail.com', 'yahoo.com', 'outlook.com', 'example.com'];

/** Zipf-like pick: earlier entries are much more frequent (common names, big cities). */
function skewed<T>(pool: readonly T[], random: () => number, exponent = 1.1): T {
  const weights = pool.map((_, index) => 1 / (index + 1) ** exponent);
  let roll = random() * weights.reduce((sum, weight) => sum + weight, 0);
  for (const [index, weight] of weights.entries()) {
    roll -= weight;
    if (roll <= 0) return pool[index] as T;
  }
  return pool[pool.length - 1] as T;
}

function weightedCity(random: () => number): (typeof CITIES)[number] {
  let roll = random() * CITIES.reduce((sum, city) => sum + city.weight, 0);
  for (const city of CITIES) {
    roll -= city.weight;
    if (roll <= 0) return city;
  }
  return CITIES[0] as (typeof CITIES)[number];
}

const pick = <T>(pool: readonly T[], random: () => number): T => pool[Math.floor(random() * pool.length)] as T;
const stripAccents = (text: string) => text.normalize('NFD').replace(/\p{M}+/gu, '').normalize('NFC');
const integer = (random: () => number, low: number, high: number) => low + Math.floor(random() * (high - low + 1));

interface Person {
  given: string[];
  surnames: string[];
  city: (typeof CITIES)[number];
  via: readonly string[];
  numbers: [number, number, number];
  email: string;
  phone: string;
  level: string;
  occupation: string;
  organization: string;
}

function makePerson(random: () => number, serial: number, usedEmails: Set<string>): Person {
  const given = random() < 0.55 ? [skewed(GIVEN, random), skewed(GIVEN, random)] : [skewed(GIVEN, random)];
  if (given.length === 2 && given[0] === given[1]) given.pop();
  const surnames = [skewed(SURNAMES, random), skewed(SURNAMES, random)];
  const local = stripAccents(`${given[0]}.${surnames[0]}`).toLowerCase() + (random() < 0.7 ? String(integer(random, 1, 999)) : '');
  // Two people never share an e-mail here: the duplicates to find are the ones that look alike otherwise.
  let email = `${local}@${pick(DOMAINS, random)}`;
  if (usedEmails.has(email)) email = email.replace('@', `.${serial}@`);
  usedEmails.add(email);
  return {
    given,
    surnames,
    city: weightedCity(random),
    via: pick(VIAS, random),
    numbers: [integer(random, 1, 200), integer(random, 1, 200), integer(random, 1, 99)],
    email,
    phone: `3${String(integer(random, 0, 999_999_999)).padStart(9, '0')}`,
    level: pick(LEVELS, random),
    occupation: pick(OCCUPATIONS, random),
    organization: pick(ORGANIZATIONS, random),
  };
}

/** One typo: a letter dropped, doubled, swapped with the next, or replaced by a neighbour. */
function typo(word: string, random: () => number): string {
  if (word.length < 4) return word;
  const at = integer(random, 1, word.length - 2);
  switch (integer(random, 0, 3)) {
    case 0:
      return word.slice(0, at) + word.slice(at + 1);
    case 1:
      return word.slice(0, at) + (word[at] ?? '') + word.slice(at);
    case 2:
      return word.slice(0, at) + (word[at + 1] ?? '') + (word[at] ?? '') + word.slice(at + 2);
    default:
      return word.slice(0, at) + pick(['a', 'e', 'i', 'o', 'n', 's', 'r'], random) + word.slice(at + 1);
  }
}

function casing(text: string, random: () => number): string {
  const roll = random();
  if (roll < 0.25) return text.toUpperCase();
  if (roll < 0.45) return text.toLowerCase();
  if (roll < 0.6) return stripAccents(text);
  return text;
}

function addressOf(person: Person, random: () => number, reword: boolean): string {
  const [via, cross, plate] = person.numbers;
  if (!reword) return `${person.via[0]} ${via} # ${cross}-${plate}`;
  const sign = pick(['#', 'No', 'N°', 'nro'], random);
  return `${pick(person.via, random)} ${via} ${sign} ${cross} ${pick(['-', ' ', ' - '], random)}${plate}`;
}

export interface DuplicateSampleOptions {
  /** Distinct people. */
  people: number;
  /** Share of people who register again (once, sometimes twice). */
  reRegistrationShare?: number;
  /** People added who share one very common name and city with each other, all different. */
  namesakes?: number;
  seed?: number;
  /** Attribute holding a phone number (none when unset). */
  phoneField?: string;
}

export interface DuplicateSample {
  leads: LeadItem[];
  /** leadId → the person it belongs to. */
  personOf: Map<string, string>;
}

/** Every unordered pair of leads of the same person: the true duplicates. */
export function truePairs(sample: DuplicateSample): Set<string> {
  const byPerson = new Map<string, string[]>();
  for (const [leadId, person] of sample.personOf) {
    let leads = byPerson.get(person);
    if (!leads) byPerson.set(person, (leads = []));
    leads.push(leadId);
  }
  const pairs = new Set<string>();
  for (const leads of byPerson.values()) {
    const sorted = [...leads].sort();
    for (let i = 0; i < sorted.length; i += 1) for (let j = i + 1; j < sorted.length; j += 1) pairs.add(`${sorted[i]}|${sorted[j]}`);
  }
  return pairs;
}

export function generateDuplicateSample(options: DuplicateSampleOptions): DuplicateSample {
  const random = seededRandom(options.seed ?? 12);
  const share = options.reRegistrationShare ?? 0.15;
  const leads: LeadItem[] = [];
  const personOf = new Map<string, string>();
  let serial = 0;
  const usedEmails = new Set<string>();

  const register = (person: Person, personId: string, again: boolean) => {
    const leadId = `D-${String(serial).padStart(7, '0')}`;
    serial += 1;
    const given = [...person.given];
    const surnames = [...person.surnames];
    let email: string | undefined = person.email;
    let address: string | undefined = addressOf(person, random, again && random() < 0.6);
    let city = person.city.forms[0] ?? '';
    if (again) {
      if (random() < 0.3) {
        const words = [...given, ...surnames];
        const at = integer(random, 0, words.length - 1);
        if (at < given.length) given[at] = typo(given[at] ?? '', random);
        else surnames[at - given.length] = typo(surnames[at - given.length] ?? '', random);
      }
      if (given.length > 1 && random() < 0.15) given.pop();
      if (random() < 0.1) surnames.pop();
      const emailRoll = random();
      if (emailRoll < 0.35) email = `${stripAccents(`${given[0]}${surnames[0]}`).toLowerCase()}${integer(random, 1, 99)}@${pick(DOMAINS, random)}`;
      else if (emailRoll < 0.55) email = undefined;
      if (random() < 0.15) address = undefined;
      city = pick(person.city.forms, random);
    }
    const lead: LeadItem = { leadId };
    const swapped = again && random() < 0.1;
    lead.nombres = casing(swapped ? surnames.join(' ') : given.join(' '), random);
    lead.apellidos = casing(swapped ? given.join(' ') : surnames.join(' '), random);
    lead.ciudad = casing(city, random);
    if (address !== undefined) lead.direccion = casing(address, random);
    lead.nivelEducativo = person.level;
    lead.ocupacionActual = person.occupation;
    lead.empresa = person.organization;
    if (email !== undefined) lead.email = casing(email, random).toLowerCase();
    if (options.phoneField && (!again || random() < 0.7)) lead[options.phoneField] = again && random() < 0.3 ? `+57 ${person.phone}` : person.phone;
    leads.push(lead);
    personOf.set(leadId, personId);
  };

  for (let index = 0; index < options.people; index += 1) {
    const person = makePerson(random, index, usedEmails);
    const personId = `P${index}`;
    register(person, personId, false);
    if (random() < share) {
      register(person, personId, true);
      if (random() < 0.15) register(person, personId, true);
    }
  }
  // Namesakes: many different people with the most common name in the biggest city.
  for (let index = 0; index < (options.namesakes ?? 0); index += 1) {
    const person = { ...makePerson(random, options.people + index, usedEmails), given: ['María'], surnames: ['Rodríguez', 'Gómez'], city: CITIES[0] as (typeof CITIES)[number] };
    register(person, `N${index}`, false);
  }
  return { leads, personOf };
}
