/**
 * What `normflow analytics run` prints: the analytics state machine's output (the export's and the
 * token costs' summaries) as sentences a person reads; `--json` prints the output itself.
 */

type Json = Record<string, unknown>;

const objectAt = (value: unknown, key: string): Json => {
  const inner = typeof value === 'object' && value !== null ? (value as Json)[key] : undefined;
  return typeof inner === 'object' && inner !== null && !Array.isArray(inner) ? (inner as Json) : {};
};
const count = (value: unknown, key: string): string => {
  const inner = typeof value === 'object' && value !== null ? (value as Json)[key] : undefined;
  return typeof inner === 'number' ? inner.toLocaleString('en-US') : '?';
};

function exportLines(output: Json): string[] {
  const summary = objectAt(output, 'export');
  if (Object.keys(summary).length === 0) return ['conversation export: no output'];
  const rows = objectAt(summary, 'rows');
  const excluded = objectAt(summary, 'excludedUsers');
  const feedback = objectAt(summary, 'feedback');
  const parquet = objectAt(output, 'parquet');
  const tokens = objectAt(parquet, 'tokens');
  return [
    `conversation export, dt=${String(summary.runDate ?? '?')}: ${count(rows, 'users')} users, ${count(rows, 'exchanges')} exchanges; ` +
      `feedback joined ${count(feedback, 'joined')}, orphaned ${count(feedback, 'orphaned')}; ` +
      `users left out: ${count(excluded, 'city')} by city, ${count(excluded, 'name')} by name, ${count(excluded, 'no-exchanges')} without exchanges; ` +
      `items skipped ${count(summary, 'skippedItems')}`,
    `  Parquet: ${count(objectAt(parquet, 'rows'), 'users')} users, ${count(objectAt(parquet, 'rows'), 'exchanges')} exchanges; ` +
      `tokens ${count(tokens, 'pregunta')} in questions, ${count(tokens, 'respuesta')} in answers`,
  ];
}

function tokenCostLines(output: Json): string[] {
  if (Object.keys(output).length === 0) return ['token costs: no output'];
  const ignored = objectAt(output, 'ignored');
  const maps = objectAt(output, 'messageMaps');
  const partitions = Array.isArray(output.partitions) ? output.partitions.map(String) : [];
  const days = partitions.length === 0 ? 'no day' : partitions.length === 1 ? `1 day (${partitions[0]})` : `${partitions.length} days (${partitions[0]} … ${partitions.at(-1)})`;
  return [
    `token costs: ${count(output, 'itemsRead')} chat items read, ${count(output, 'conversations')} conversations ` +
      `(${count(ignored, 'notConversation')} items not conversations, ${count(ignored, 'noCreateTime')} without a time), ` +
      `${count(output, 'normalizationRuns')} normalization runs`,
    `  message maps: ${count(maps, 'ok')} read, ${count(maps, 'invalid-json')} invalid JSON, ${count(maps, 'missing')} missing, ` +
      `${count(maps, 'empty')} empty, ${count(maps, 'offloaded')} offloaded; ${days}, ${count(output, 'filesWritten')} files written`,
  ];
}

export function formatAnalyticsSummary(output: { conversationExport?: { output?: Json }; tokenCosts?: { output?: Json } }): string {
  return [...exportLines(output.conversationExport?.output ?? {}), ...tokenCostLines(output.tokenCosts?.output ?? {})].join('\n');
}
