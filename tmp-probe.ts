import { writeFileSync } from 'node:fs';
import { synthesizeAnalytics } from '#test/infra/synth-stack.ts';
const s = synthesizeAnalytics();
writeFileSync('/tmp/analytics.json', JSON.stringify(s.json, null, 1));
writeFileSync('/tmp/norm-with-analytics.json', JSON.stringify(s.normalization.json, null, 1));
