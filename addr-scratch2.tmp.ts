import { normalizeAddress } from '#shared/rules/address.ts';
const cases = [
  'Cll 100', 'Avda 68', 'Calle 53', 'Calle Tres', 'Av. Boyacá', 'Avenida Boyacá # 72-30', 'Autopista Norte # 120-45', 'Autopista Norte',
  'Circular 1 # 66B-155', 'Vía 40 # 73-290', 'via 40', 'Avenida de las Américas # 50-20', 'Avenida El Dorado # 68 - 20',
  'km 5 via la calera', 'KM. 5,5 vía a la Calera', 'kilómetro 3 vía Cota', 'Vereda El Rosal, finca La Esperanza',
  'Cl. 80 Bis A # 45 - 12 Apto 301', 'Av. Cra. 68 # 13 - 20', 'Cra. 7 # 71 - 21 Of. 602', 'Tv 93 # 51-98 int 4',
  'Calle 45 12-30', 'Cra 15 100 25', 'Calle 5 # 20', 'Calle 5 #', 'Calle 5 # 3-20 # 4-10', 'Cra 5 # 3-20 frente al parque',
  'Calle 10 # 5-20 Edificio Torre Central piso 3', 'Cra 5 # 3-20 Barrio de la Candelaria', 'Cra 5 # 3-20 Conjunto Pinos y Cedros',
  'Cra 5 # 3-20 torre t apto 301b', 'Cra 5 # 3-20 etapa ii', 'Cra 5 # 3-20 apto', 'Cra 5 # 3-20-5', 'Calle 5 N # 3-20',
  'calle 5 n 3-20', 'Cra.7#71-21', 'CRA7 No71-21 APTO301', 'Cll. 100 # 15 - 20 urb. villa del rio', 'cra 5 # 3 - 20 ed. el tesoro',
  'Barrio Kennedy Calle 5 # 3-20', 'Calle 5 Barrio Centro', 'Calle', 'Cra # 5-20', '# 45-12', 'Bogotá', '123', '0.', 'N.A',
  'Cra 5 – 3 — 20', 'Cra 5 № 3-20', 'Calle 24 AA # 5-20', 'calle 5 b. centro', 'Cra 5 # 3-20 B. Centro', 'Cra 5 # 3.20',
  'Calle 5 # 3-20 Bogotá D.C.', 'Calle 5 # 3-20 (frente al parque)', 'Av Cl 26 # 68-10', 'avenida calle 26 # 68-10',
  'Cra 5 # 3-20 casa-lote 4', 'Cra 5 y 6', 'Calle Real # 5-20', 'Calle del Cuartel # 36-12', 'Cl 10 sur # 22 15', 'Cra 43a # 1 sur - 20',
  'Cra 5 Sur Bis # 3-20', 'calle 5 # 3 - 20 apto. 201, torre 2, barrio la esperanza', 'Crisanto Luque', 'Norte', 'cra\u00a05\u200b # 3-20',
  'Cra 5 # 3-20 Int. B', 'Cra 5 # 3-20 of. 201', 'Cra 5 # 3-20 b 2',
];
for (const c of cases) {
  const r = normalizeAddress(c);
  const again = r.value === null ? null : normalizeAddress(r.value);
  process.stdout.write(`${JSON.stringify(c)} => ${JSON.stringify(r.value)} ${r.confident ? 'C' : 'u'} ${r.flags.join(',')}${again && (again.value !== r.value || again.confident !== r.confident || again.flags.join() !== r.flags.join()) ? ' !!' + JSON.stringify(again) : ''}\n`);
}
