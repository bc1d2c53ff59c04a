/**
 * The analytics tables and where their Parquet partitions live in the bucket (`dt=YYYY-MM-DD/`
 * folders below each prefix). One list for the Glue crawlers' targets on AWS and for the local
 * DuckDB catalog, so both engines see the same table names.
 */
export interface CatalogTable {
  name: string;
  prefix: string;
  description: string;
}

export const CATALOG_TABLES: readonly CatalogTable[] = [
  { name: 'users', prefix: 'conversations/parquet/users/', description: 'one row per chatbot user (the 12 dashboard columns, plus token totals)' },
  { name: 'exchanges', prefix: 'conversations/parquet/exchanges/', description: 'one row per conversation exchange, with its own feedback' },
  { name: 'token_costs', prefix: 'token-costs/conversations/', description: 'one row per Bedrock chat conversation: tokens, estimated and recorded cost' },
  { name: 'token_costs_by_user_day', prefix: 'token-costs/by_user_day/', description: 'tokens and cost per user per day' },
  { name: 'token_costs_by_model_day', prefix: 'token-costs/by_model_day/', description: 'tokens and cost per model per day' },
  { name: 'normalization_costs', prefix: 'token-costs/normalization/', description: "the normalization pipeline's own model usage per run" },
];
