// The tools' command lines are parsed by Node's util.parseArgs in strict mode: an unknown option, a missing
// value or a stray argument is an error. withUsage adds the tool's usage line to that error.

export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** Runs a tool's `main`: exits 0 when it resolves, 1 with the error's stack on stderr when it rejects. */
export function runMain(main: () => Promise<unknown>): void {
    main().then(
        () => process.exit(0),
        (err) => {
            process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
            process.exit(1);
        },
    );
}

/** Runs `parse` (a util.parseArgs call) and turns its error into a UsageError naming the usage line. */
export function withUsage<T>(usage: string, parse: () => T): T {
    try {
        return parse();
    } catch (err) {
        throw new UsageError(`${err instanceof Error ? err.message : String(err)}\nusage: ${usage}`);
    }
}
