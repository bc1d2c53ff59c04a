import { readFileSync } from 'node:fs';

export interface LabeledRecord {
  id: string;
  input: Record<string, unknown>;
  expected: Record<string, unknown>;
  expectedFlags?: Record<string, string | string[]>;
}

/** The shipped labeled set (`data/eval/leads.labeled.jsonl`), which every rule's tests check against. */
export const labeledRecords: readonly LabeledRecord[] = readFileSync(new URL('../../data/eval/leads.labeled.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as LabeledRecord);
