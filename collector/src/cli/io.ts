/** Where a CLI command writes: stdout and stderr in a real run, buffers in a test. */
export interface Io { out: (s: string) => void; err: (s: string) => void }
