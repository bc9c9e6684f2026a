/** A timer as a promise (main.ts exits the process when the command is done, so none outlives a run). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
