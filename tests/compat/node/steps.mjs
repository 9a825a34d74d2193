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

export const keysOf = (m) => (m && typeof m === "object" ? Object.keys(m).sort() : undefined);

// Records what a client library sends through the global fetch and what comes back: `describe(target, body, out,
// res)` makes each entry of `calls` from the operation (X-Amz-Target's last part), the request's JSON body, the
// response's JSON body and the response. Returns the real fetch, for requests that are not the client's.
export function recordFetch(calls, describe) {
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init = {}) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const target = String(request.headers.get("x-amz-target") ?? "").split(".").pop();
    let body = {};
    try { body = JSON.parse(await request.clone().text()); } catch { /* not JSON */ }
    const res = await realFetch(request);
    let out = {};
    try { out = await res.clone().json(); } catch { /* empty */ }
    calls.push(describe(target, body, out, res));
    return res;
  };
  return realFetch;
}
