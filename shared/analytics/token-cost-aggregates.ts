import type { ConversationCostRow, CostSource, ModelDayRow, NormalizationCostRow, UserDayRow } from './token-cost-schema.ts';

/** The daily totals of the token-cost tables, pure: rows in, sorted total rows out. */

const addRecorded = (total: number | null, price: number | null): number | null => (price === null ? total : (total ?? 0) + price);

/** Orders strings by UTF-16 code units, the same on every machine (no locale). */
export const byText = (left: string, right: string) => (left < right ? -1 : left > right ? 1 : 0);

/** Chat totals per user of one day's conversation rows, by user id. */
export function aggregateByUserDay(rows: Iterable<ConversationCostRow>): UserDayRow[] {
  const totals = new Map<string, UserDayRow>();
  for (const row of rows) {
    const key = `${row.day}\u0000${row.user_id}`;
    let total = totals.get(key);
    if (!total) {
      total = {
        day: row.day,
        user_id: row.user_id,
        conversations: 0,
        input_tokens: 0,
        output_tokens: 0,
        estimated_cost_usd: 0,
        recorded_price_usd: null,
        unpriced_conversations: 0,
      };
      totals.set(key, total);
    }
    total.conversations += 1;
    total.input_tokens += row.input_tokens;
    total.output_tokens += row.output_tokens;
    total.estimated_cost_usd += row.estimated_cost_usd;
    total.recorded_price_usd = addRecorded(total.recorded_price_usd, row.recorded_price_usd);
    if (!row.priced) total.unpriced_conversations += 1;
  }
  return [...totals.values()].sort((left, right) => byText(left.day, right.day) || byText(left.user_id, right.user_id));
}

/** Totals per model of conversation rows (source `chat`) and normalization runs (source `normalization`). */
export function aggregateByModelDay(conversations: Iterable<ConversationCostRow>, runs: Iterable<NormalizationCostRow> = []): ModelDayRow[] {
  const totals = new Map<string, { row: ModelDayRow; users: Set<string> }>();
  const totalFor = (day: string, source: CostSource, model: string | null, modelId: string | null) => {
    const key = JSON.stringify([day, source, model, modelId]);
    let total = totals.get(key);
    if (!total) {
      total = {
        row: {
          day,
          source,
          model,
          model_id: modelId,
          items: 0,
          users: source === 'chat' ? 0 : null,
          input_tokens: 0,
          output_tokens: 0,
          estimated_cost_usd: 0,
          recorded_price_usd: null,
          unpriced_items: source === 'chat' ? 0 : null,
        },
        users: new Set(),
      };
      totals.set(key, total);
    }
    return total;
  };
  for (const conversation of conversations) {
    const { row, users } = totalFor(conversation.day, 'chat', conversation.model, conversation.model_id);
    row.items += 1;
    users.add(conversation.user_id);
    row.users = users.size;
    row.input_tokens += conversation.input_tokens;
    row.output_tokens += conversation.output_tokens;
    row.estimated_cost_usd += conversation.estimated_cost_usd;
    row.recorded_price_usd = addRecorded(row.recorded_price_usd, conversation.recorded_price_usd);
    if (!conversation.priced) row.unpriced_items = (row.unpriced_items ?? 0) + 1;
  }
  for (const run of runs) {
    const { row } = totalFor(run.day, 'normalization', run.model, run.model);
    row.items += 1;
    row.input_tokens += run.input_tokens;
    row.output_tokens += run.output_tokens;
    row.estimated_cost_usd += run.estimated_cost_usd;
  }
  return [...totals.values()]
    .map((total) => total.row)
    .sort(
      (left, right) =>
        byText(left.day, right.day) ||
        byText(left.source, right.source) ||
        byText(left.model ?? '', right.model ?? '') ||
        byText(left.model_id ?? '', right.model_id ?? ''),
    );
}
