import { Tiktoken } from 'js-tiktoken/lite';
import cl100kBase from 'js-tiktoken/ranks/cl100k_base';

export const TOKENIZERS = ['cl100k_base', 'chars/4'] as const;
export type TokenizerName = (typeof TOKENIZERS)[number];

export type TokenCounter = (text: string) => number;

/** The Bedrock rule of thumb: one token per four characters, at least one per non-empty fragment. */
export const charsPerFourTokens: TokenCounter = (text) => (text.length === 0 ? 0 : Math.max(1, Math.floor(text.length / 4)));

let cl100k: Tiktoken | undefined;

/** Exact cl100k_base counts (one rank file, loaded once), or the chars/4 estimate. */
export function tokenCounter(name: TokenizerName): TokenCounter {
  if (name === 'chars/4') return charsPerFourTokens;
  return (text) => {
    if (text.length === 0) return 0;
    cl100k ??= new Tiktoken(cl100kBase);
    return cl100k.encode(text).length;
  };
}
