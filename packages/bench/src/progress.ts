/** Where progress lines go: one per scenario, target and repetition. */
export type Progress = (line: string) => void;

/** Progress on stderr, each line stamped with the time since the run started. */
export function stderrProgress(): Progress {
  const start = Date.now();
  return (line) => {
    const seconds = ((Date.now() - start) / 1000).toFixed(1).padStart(6);
    process.stderr.write(`[${seconds}s] ${line}\n`);
  };
}

export const silentProgress: Progress = () => undefined;
