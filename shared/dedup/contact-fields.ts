import { foldFieldName } from '#shared/config/field-names.ts';
import type { ContactFields } from './person-profile.ts';

/**
 * Column names a form or a spreadsheet gives the e-mail and the phone, folded as headers are
 * (field-names.ts: case, accents, spacing, `_` `-` `.`): Spanish first, as the forms are.
 */
const EMAIL_NAMES: ReadonlySet<string> = new Set(['email', 'e mail', 'mail', 'correo', 'correo electronico', 'correo e', 'email address']);
const PHONE_NAMES: ReadonlySet<string> = new Set([
  'telefono',
  'tel',
  'celular',
  'cel',
  'movil',
  'telefono celular',
  'telefono movil',
  'numero de celular',
  'numero de telefono',
  'whatsapp',
  'phone',
  'mobile',
]);

/**
 * Finds the contact attributes of leads by their names, where the user named none: the first
 * attribute (in the order met) whose folded name is an e-mail or a phone column. Names are folded
 * once each, so a scan of millions of leads costs one lookup per attribute.
 */
export class ContactFieldFinder {
  private readonly kinds = new Map<string, 'email' | 'phone' | undefined>();
  private found: ContactFields = {};
  private readonly given: ContactFields;

  constructor(given: ContactFields) {
    this.given = given;
  }

  /** The contact attributes for this lead: the given ones, else the first found so far (this lead's names included). */
  fieldsFor(attributeNames: Iterable<string>): ContactFields {
    if (this.given.email === undefined || this.given.phone === undefined) {
      for (const name of attributeNames) {
        if (this.found.email !== undefined && this.found.phone !== undefined) break;
        let kind = this.kinds.get(name);
        if (!this.kinds.has(name)) {
          const folded = foldFieldName(name);
          kind = EMAIL_NAMES.has(folded) ? 'email' : PHONE_NAMES.has(folded) ? 'phone' : undefined;
          this.kinds.set(name, kind);
        }
        if (kind && this.found[kind] === undefined) this.found = { ...this.found, [kind]: name };
      }
    }
    return { ...this.found, ...this.given };
  }

  /** What was used in the end, and whether it was found rather than given: for the summary line. */
  used(): { email?: { field: string; found: boolean }; phone?: { field: string; found: boolean } } {
    const fields = { ...this.found, ...this.given };
    return {
      ...(fields.email === undefined ? {} : { email: { field: fields.email, found: this.given.email === undefined } }),
      ...(fields.phone === undefined ? {} : { phone: { field: fields.phone, found: this.given.phone === undefined } }),
    };
  }
}
