// The slipway command line: parses flags and calls the daemon's API (placeholder until the daemon lands).
export async function main(_argv: string[]): Promise<number> {
  return 0;
}
