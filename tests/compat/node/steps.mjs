// What the scripts that drive a whole flow share: the next code mailed to an address, from the pytest side's SMTP
// sink (GET <codesUrl>/code?to=<address>, which waits for it), and the record of named steps they print as JSON.

/** `nextCode(address)` through `fetchImpl` (the real fetch, where a script wraps the global one). */
export function codeFetcher(codesUrl, fetchImpl = globalThis.fetch) {
  return async (address) => {
    const r = await fetchImpl(`${codesUrl}/code?to=${encodeURIComponent(address)}`);
    if (r.status !== 200) throw new Error(`no code for ${address}: HTTP ${r.status} ${await r.text()}`);
    return (await r.text()).trim();
  };
}

/** Each step's result by name (null for none), and the step under way, which a failure report names. */
export class Steps {
  results = {};
  current = "start";

  async run(name, fn) {
    this.current = name;
    const out = await fn();
    this.results[name] = out ?? null;
    return out;
  }
}
