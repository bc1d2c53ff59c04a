import { writeFileSync } from 'node:fs';
import { synthesize } from '#test/infra/synth-stack.ts';
const out = process.argv[2] ?? '/tmp/norm-before.json';
writeFileSync(out, JSON.stringify(synthesize({}).json, null, 1));
writeFileSync(out.replace('.json', '-alt.json'), JSON.stringify(synthesize({ leadsTableName: 'CrmLeads', modelId: 'eu.amazon.nova-lite-v1:0', alarmEmail: 'ops@example.com' }).json, null, 1));
