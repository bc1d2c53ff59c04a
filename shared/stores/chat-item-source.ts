/** An item of the Bedrock Chat conversations table, as the document client returns it. */
export type ChatItem = Record<string, unknown>;

/** Where the token-cost run reads chat items: the Bedrock Chat table on AWS and locally, generated items in tests. */
export interface ChatItemSource {
  /** Every item whose `CreateTime` or `LastUpdateTime` is greater than `after` (every item when undefined), page by page. */
  pages(after: number | undefined): AsyncIterable<readonly ChatItem[]>;
}
