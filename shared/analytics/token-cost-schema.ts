import type { MessageMapStatus, ModelSource } from './message-map.ts';
import type { ParquetColumn } from './parquet-table-writer.ts';

/**
 * The token-cost tables (ANALYTICS.md §5–§6): their folders and columns, and the rows they hold.
 *
 * Tables, under `tokenCostsPrefix`, one `dt=YYYY-MM-DD/part-0.parquet` per day:
 * - `conversations/`: one row per conversation item (PK, SK);
 * - `by_user_day/`: chat totals per user per day;
 * - `by_model_day/`: totals per model per day, `source` = `chat` (conversations) or
 *   `normalization` (normalize-leads runs), so one query shows what each model costs in total;
 * - `normalization/`: one row per normalize-leads run, from the runs table's run records. A table
 *   of its own because its grain (a run) and columns differ from a conversation's.
 * The day is a `day` DATE column in the files and the `dt` folder (Hive partition), never a `dt`
 * column in the files, which would clash with the partition column in Glue and DuckDB.
 */

export const TOKEN_COST_TABLES = {
  conversations: 'conversations/',
  byUserDay: 'by_user_day/',
  byModelDay: 'by_model_day/',
  normalization: 'normalization/',
} as const;
export type TokenCostTable = keyof typeof TOKEN_COST_TABLES;

export const WATERMARK_FILE = '_watermark.json';

export const partitionKey = (prefix: string, table: TokenCostTable, day: string): string =>
  `${prefix}${TOKEN_COST_TABLES[table]}dt=${day}/part-0.parquet`;

export const CONVERSATION_COLUMNS: readonly ParquetColumn[] = [
  { name: 'day', type: 'DATE' },
  { name: 'created_at', type: 'TIMESTAMP' },
  { name: 'user_id', type: 'STRING' },
  { name: 'conversation_id', type: 'STRING' },
  { name: 'model', type: 'STRING' },
  { name: 'model_id', type: 'STRING' },
  { name: 'model_source', type: 'STRING' },
  { name: 'input_tokens', type: 'INT64' },
  { name: 'output_tokens', type: 'INT64' },
  { name: 'estimated_cost_usd', type: 'DOUBLE' },
  { name: 'priced', type: 'BOOLEAN' },
  { name: 'recorded_price_usd', type: 'DOUBLE' },
  { name: 'message_map_status', type: 'STRING' },
  { name: 'non_text_parts', type: 'INT64' },
];

export const BY_USER_DAY_COLUMNS: readonly ParquetColumn[] = [
  { name: 'day', type: 'DATE' },
  { name: 'user_id', type: 'STRING' },
  { name: 'conversations', type: 'INT64' },
  { name: 'input_tokens', type: 'INT64' },
  { name: 'output_tokens', type: 'INT64' },
  { name: 'estimated_cost_usd', type: 'DOUBLE' },
  { name: 'recorded_price_usd', type: 'DOUBLE' },
  { name: 'unpriced_conversations', type: 'INT64' },
];

export const BY_MODEL_DAY_COLUMNS: readonly ParquetColumn[] = [
  { name: 'day', type: 'DATE' },
  { name: 'source', type: 'STRING' },
  { name: 'model', type: 'STRING' },
  { name: 'model_id', type: 'STRING' },
  { name: 'items', type: 'INT64' },
  { name: 'users', type: 'INT64' },
  { name: 'input_tokens', type: 'INT64' },
  { name: 'output_tokens', type: 'INT64' },
  { name: 'estimated_cost_usd', type: 'DOUBLE' },
  { name: 'recorded_price_usd', type: 'DOUBLE' },
  { name: 'unpriced_items', type: 'INT64' },
];

export const NORMALIZATION_COLUMNS: readonly ParquetColumn[] = [
  { name: 'day', type: 'DATE' },
  { name: 'run_id', type: 'STRING' },
  { name: 'started_at', type: 'TIMESTAMP' },
  { name: 'finished_at', type: 'TIMESTAMP' },
  { name: 'status', type: 'STRING' },
  { name: 'provider', type: 'STRING' },
  { name: 'model', type: 'STRING' },
  { name: 'model_calls', type: 'INT64' },
  { name: 'input_tokens', type: 'INT64' },
  { name: 'output_tokens', type: 'INT64' },
  { name: 'estimated_cost_usd', type: 'DOUBLE' },
  { name: 'dry_run', type: 'BOOLEAN' },
  { name: 'in_progress', type: 'BOOLEAN' },
];

export type ConversationStatus = MessageMapStatus | 'offloaded';

export interface ConversationCostRow {
  day: string;
  /** CreateTime, epoch ms. */
  created_at: number;
  user_id: string;
  conversation_id: string;
  /** The model name as the chat stored it (or the configured default). */
  model: string;
  /** The Bedrock model id it resolves to through `modelAliases`; the name itself when it has no alias. */
  model_id: string;
  model_source: ModelSource;
  input_tokens: number;
  output_tokens: number;
  estimated_cost_usd: number;
  /** false: the model has no configured or listed price, the estimate is 0. */
  priced: boolean;
  /** The item's own `TotalPrice`; null when it has none. */
  recorded_price_usd: number | null;
  /** `ok`, why no text was read, or `offloaded` (Bedrock Chat moved a large map to S3: only `system` is counted). */
  message_map_status: ConversationStatus;
  non_text_parts: number;
}

export interface UserDayRow {
  day: string;
  user_id: string;
  conversations: number;
  input_tokens: number;
  output_tokens: number;
  estimated_cost_usd: number;
  recorded_price_usd: number | null;
  unpriced_conversations: number;
}

export type CostSource = 'chat' | 'normalization';

export interface ModelDayRow {
  day: string;
  source: CostSource;
  /** Null for normalization runs that used no model. */
  model: string | null;
  /** Resolved id (chat); the run's model id (normalization). Group by it to total a model across sources. */
  model_id: string | null;
  /** Conversations (chat) or runs (normalization). */
  items: number;
  /** Distinct users (chat); null for normalization. */
  users: number | null;
  input_tokens: number;
  output_tokens: number;
  estimated_cost_usd: number;
  recorded_price_usd: number | null;
  /** Chat conversations whose model has no price; null for normalization (priced when the run ran). */
  unpriced_items: number | null;
}

export interface NormalizationCostRow {
  day: string;
  run_id: string;
  started_at: number;
  finished_at: number | null;
  status: string | null;
  provider: string | null;
  model: string | null;
  model_calls: number;
  input_tokens: number;
  output_tokens: number;
  /** As the run recorded it, priced with the normalization config's prices when it ran. */
  estimated_cost_usd: number;
  dry_run: boolean | null;
  in_progress: boolean;
}
