/** The built CLI's entry module. */
export declare const CLI_ENTRY: URL;
export declare function ensureCliBuild(): Promise<void>;
