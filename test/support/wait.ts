/** Waiting for something done in the background (the gateway, a server starting), with a bound. */
export async function until(cond: () => boolean | Promise<boolean>, ms = 15_000, what = 'a condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
