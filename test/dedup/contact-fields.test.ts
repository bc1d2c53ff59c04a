import { describe, expect, it } from 'vitest';
import { ContactFieldFinder } from '#shared/dedup/contact-fields.ts';

describe('ContactFieldFinder', () => {
  it.each([
    [['ID', 'Nombres', 'Correo', 'Celular'], { email: 'Correo', phone: 'Celular' }],
    [['leadId', 'CorreoElectrónico', 'Teléfono'], { email: 'CorreoElectrónico', phone: 'Teléfono' }],
    [['leadId', 'E-mail', 'numero_de_celular'], { email: 'E-mail', phone: 'numero_de_celular' }],
    [['leadId', 'email'], { email: 'email' }],
    [['leadId', 'nombres', 'direccion'], {}],
  ])('finds the contact columns of a form by their names: %j', (names, expected) => {
    expect(new ContactFieldFinder({}).fieldsFor(names)).toEqual(expected);
  });

  it('uses the columns it was given over any it finds', () => {
    const finder = new ContactFieldFinder({ email: 'personal_mail' });
    expect(finder.fieldsFor(['Correo', 'personal_mail', 'Celular'])).toEqual({ email: 'personal_mail', phone: 'Celular' });
    expect(finder.used()).toEqual({ email: { field: 'personal_mail', found: false }, phone: { field: 'Celular', found: true } });
  });

  it('keeps the first column found when later leads name another, and finds one a later lead brings', () => {
    const finder = new ContactFieldFinder({});
    expect(finder.fieldsFor(['leadId', 'nombres'])).toEqual({});
    expect(finder.fieldsFor(['leadId', 'correo'])).toEqual({ email: 'correo' });
    expect(finder.fieldsFor(['leadId', 'email', 'telefono'])).toEqual({ email: 'correo', phone: 'telefono' });
    expect(finder.used()).toEqual({ email: { field: 'correo', found: true }, phone: { field: 'telefono', found: true } });
  });

  it('never takes a column whose name only contains a contact word', () => {
    expect(new ContactFieldFinder({}).fieldsFor(['correo_jefe_validado_por', 'telefono2', 'email_opt_in'])).toEqual({});
  });
});
