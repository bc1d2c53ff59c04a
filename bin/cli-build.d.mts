/** The built CLI's entry module. */
export declare const CLI_ENTRY: URL;
export declare function ensureCliBuild(): Promise<void>;
/** Compiles `entry` (a path from the project root) as the CLI is compiled, into `outdir`. */
export declare function compileAsCli(entry: string, outdir: string): Promise<unknown>;
