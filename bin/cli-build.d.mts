/** The built CLI's entry module. */
export declare const CLI_ENTRY: URL;
/** Whether the build is missing or older than any file it was built from. */
export declare function isCliBuildStale(): boolean;
export declare function buildCli(): Promise<void>;
export declare function ensureCliBuild(): Promise<void>;
