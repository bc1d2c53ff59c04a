import { cityFieldOf, type NormalizationConfig } from '#shared/config/normalization-config.ts';
import { describeOriginal } from '#shared/engine/original-values.ts';
import { applyRule } from '#shared/rules/index.ts';
import type { FieldKind } from '#shared/rules/rule-result.ts';
import { foldKey } from '#shared/rules/text-basics.ts';
import type { LeadItem } from '#shared/stores/store-ports.ts';

/** Which attributes hold the contact details (not field kinds of the normalization config). */
export interface ContactFields {
  email?: string;
  phone?: string;
}

/**
 * What record linkage compares of one lead, every value normalized (the lead's `normalizedData`
 * when it has it, else the rules applied now) and folded (case, accents, punctuation).
 */
export interface PersonProfile {
  leadId: string;
  /** Name words of every personName field, folded and sorted: order of fields and words does not matter. */
  nameTokens: string[];
  /** `nameTokens` joined: the exact-name key. */
  name: string;
  email?: string;
  phone?: string;
  /** The normalized address, folded. */
  address?: string;
  /** Digit groups of the address in order (`15 100 25`): equal numbers survive any re-wording. */
  addressNumbers?: string;
  /** DANE code when the city resolved, else the folded city text. */
  city?: string;
  educationLevel?: string;
  occupation?: string;
  organization?: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Lower case, trimmed, a `+tag` removed from the local part; undefined unless it looks like an address. */
export function normalizeEmail(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const email = raw.trim().toLowerCase();
  if (!EMAIL.test(email)) return undefined;
  const [local = '', domain = ''] = email.split('@');
  return `${local.replace(/\+.*$/, '')}@${domain}`;
}

/** Digits only, the Colombian country code dropped: the last 10 digits (a mobile number), at least 7. */
export function normalizePhone(raw: unknown): string | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const digits = String(raw).replace(/\D/g, '').replace(/^57(?=\d{10}$)/, '');
  return digits.length >= 7 ? digits.slice(-10) : undefined;
}

function normalizedValue(item: LeadItem, field: string, kind: FieldKind): { value: string | null; codigoDane?: string } {
  const normalizedData = item.normalizedData as Record<string, unknown> | undefined;
  if (normalizedData && Object.hasOwn(normalizedData, field)) {
    const value = normalizedData[field];
    const code = normalizedData[`${field}CodigoDane`];
    return { value: typeof value === 'string' ? value : null, ...(typeof code === 'string' ? { codigoDane: code } : {}) };
  }
  // Not normalized yet: what the rules make of it now (a value that is not text says nothing).
  const original = describeOriginal(item[field]);
  if (original.kind !== 'text') return { value: null };
  const result = applyRule(kind, original.text);
  return { value: result.value, ...(result.city ? { codigoDane: result.city.codigoDane } : {}) };
}

const folded = (value: string | null): string | undefined => {
  if (value === null) return undefined;
  const key = foldKey(value);
  return key === '' ? undefined : key;
};

export function personProfile(item: LeadItem, config: NormalizationConfig, contact: ContactFields = {}): PersonProfile {
  const profile: PersonProfile = { leadId: String(item.leadId), nameTokens: [], name: '' };
  const cityField = cityFieldOf(config);
  for (const [field, kind] of Object.entries(config.fields)) {
    if (!Object.hasOwn(item, field)) continue;
    const { value, codigoDane } = normalizedValue(item, field, kind);
    const key = folded(value);
    if (key === undefined) continue;
    switch (kind) {
      case 'personName':
        profile.nameTokens.push(...key.split(' '));
        break;
      case 'address': {
        profile.address = key;
        const numbers = key.match(/\d+/g);
        if (numbers && numbers.length >= 2) profile.addressNumbers = numbers.join(' ');
        break;
      }
      case 'city':
        if (field === cityField) profile.city = codigoDane ?? key;
        break;
      case 'educationLevel':
        profile.educationLevel = key;
        break;
      case 'occupation':
        profile.occupation = key;
        break;
      case 'organization':
        profile.organization = key;
        break;
      default:
        break;
    }
  }
  profile.nameTokens.sort();
  profile.name = profile.nameTokens.join(' ');
  const email = contact.email ? normalizeEmail(item[contact.email]) : undefined;
  const phone = contact.phone ? normalizePhone(item[contact.phone]) : undefined;
  if (email) profile.email = email;
  if (phone) profile.phone = phone;
  return profile;
}
