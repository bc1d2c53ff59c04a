import type { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Every command, by name, with the one-line summary `normflow --help` lists. A command's module
 * (and with it DuckDB, the AWS SDK, the local interpreter…) is imported only when that command
 * runs or its own help is asked for, so `normflow --help` stays as fast as Node itself.
 * Each summary is the command's own description (pinned by a test).
 */
export const COMMANDS: ReadonlyArray<{ name: string; summary: string; load: () => Promise<Register> }> = [
  {
    name: 'normalize',
    summary: 'normalize a CSV, JSON lines or JSON array file of records into another file (originals untouched)',
    load: async () => (await import('./normalize-command.ts')).registerNormalizeCommand,
  },
  {
    name: 'eval',
    summary: 'score normalization against a labeled set: accuracy with 95% intervals, coverage, idempotence, anomaly levels',
    load: async () => (await import('./eval-command.ts')).registerEvalCommand,
  },
  {
    name: 'explain',
    summary: 'show what the rules make of typed values and why (for a city: how it resolved, and its review risk)',
    load: async () => (await import('./explain-command.ts')).registerExplainCommand,
  },
  {
    name: 'seed',
    summary: 'load records (CSV, JSON lines or a JSON array, each with leadId or id) into the local leads table; nothing is overwritten blindly',
    load: async () => (await import('./seed-command.ts')).registerSeedCommand,
  },
  {
    name: 'run',
    summary: 'run the normalize-leads state machine locally (embedded store, same ASL and handlers as AWS), or on AWS with --aws',
    load: async () => (await import('./run-command.ts')).registerRunCommand,
  },
  {
    name: 'leads',
    summary: 'look at the leads table: list by facet, find duplicates, show, export, forget',
    load: async () => (await import('./leads-command.ts')).registerLeadsCommand,
  },
  {
    name: 'runs',
    summary: 'normalization runs: list them, roll one back',
    load: async () => (await import('./runs-command.ts')).registerRunsCommand,
  },
  {
    name: 'review',
    summary: 'walk the review queue in the terminal: per distinct input, accept the proposed value, type one, or skip',
    load: async () => (await import('./review-command.ts')).registerReviewCommand,
  },
  {
    name: 'sql',
    summary: 'query the leads (leads, lead_fields) and the analytics tables: users, exchanges, token_costs, token_costs_by_user_day, token_costs_by_model_day, normalization_costs',
    load: async () => (await import('./sql-command.ts')).registerSqlCommand,
  },
  {
    name: 'analytics',
    summary: 'conversation analytics and token costs, locally (the same state machines as AWS)',
    load: async () => (await import('./analytics-command.ts')).registerAnalyticsCommand,
  },
  {
    name: 'report',
    summary: 'one self-contained HTML page: normalization quality per run (dry runs marked), review queue, top mappings, plus the analytics when there are any',
    load: async () => (await import('./report-command.ts')).registerReportCommand,
  },
  {
    name: 'config',
    summary: 'the config table item (configId = "normalization-settings"): data settings of the pipeline',
    load: async () => (await import('./config-command.ts')).registerConfigCommand,
  },
  {
    name: 'cache',
    summary: 'the value cache of accepted model answers',
    load: async () => (await import('./cache-command.ts')).registerCacheCommand,
  },
];
