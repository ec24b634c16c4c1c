/** Which constraint a failed statement broke, wherever the driver and drizzle wrapped it. */
export function constraintOf(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    const constraint = (e as { constraint?: string }).constraint;
    if (constraint !== undefined) return constraint;
  }
  return undefined;
}
