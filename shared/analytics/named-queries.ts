/**
 * Named queries of the dashboard, in SQL that runs unchanged on Athena (Trino) and DuckDB: the
 * CDK stack saves them as Athena named queries, and a test runs each on the local catalog.
 * Each daily export is a full snapshot, so conversation queries read the latest `dt` partition.
 * (`max(dt)` goes through `SELECT DISTINCT dt`: DuckDB 1.5 fails an aggregate read straight off a
 * hive partition column's statistics.)
 */
export interface NamedQuery {
  name: string;
  description: string;
  sql: string;
}

export const NAMED_QUERIES: readonly NamedQuery[] = [
  {
    name: 'users',
    description: 'Chatbot users of the latest export, most active first',
    sql: `SELECT usuario_id, nombre, gerencia, ciudad, fecha_primera_conversacion, numero_conversaciones, numero_feedback, feedback
FROM users
WHERE dt = (SELECT max(dt) FROM (SELECT DISTINCT dt FROM users) AS partitions)
ORDER BY numero_conversaciones DESC, usuario_id`,
  },
  {
    name: 'feedback-mix',
    description: 'Exchanges by feedback type in the latest export',
    sql: `SELECT COALESCE(feedback_tipo, 'sin feedback') AS feedback, count(*) AS exchanges
FROM exchanges
WHERE dt = (SELECT max(dt) FROM (SELECT DISTINCT dt FROM exchanges) AS partitions)
GROUP BY COALESCE(feedback_tipo, 'sin feedback')
ORDER BY exchanges DESC, feedback`,
  },
  {
    name: 'questions-per-day',
    description: 'Exchanges and user questions per UTC day (latest export)',
    sql: `SELECT CAST("timestamp" AS DATE) AS day, count(*) AS exchanges, count(pregunta) AS questions
FROM exchanges
WHERE dt = (SELECT max(dt) FROM (SELECT DISTINCT dt FROM exchanges) AS partitions) AND "timestamp" IS NOT NULL
GROUP BY CAST("timestamp" AS DATE)
ORDER BY day`,
  },
  {
    name: 'tokens-per-user',
    description: 'Bedrock chat tokens and estimated cost per user, all days',
    sql: `SELECT user_id, sum(conversations) AS conversations, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, round(sum(estimated_cost_usd), 6) AS estimated_cost_usd
FROM token_costs_by_user_day
GROUP BY user_id
ORDER BY estimated_cost_usd DESC, user_id
LIMIT 100`,
  },
];
