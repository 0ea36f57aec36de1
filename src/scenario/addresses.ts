/**
 * Address checks for suite fields: URLs parse, host:port pairs have a port, and hosts are
 * loopback unless the suite opts in with `allowRemote: true` (faultline injects faults: it
 * should not aim them at another machine by accident).
 */

export interface AddressProblem {
  code: 'BAD_URL' | 'BAD_ADDRESS' | 'NON_LOOPBACK';
  message: string;
  hint?: string;
}

/** Placeholders stand in for loopback values: the runner fills them with local ports and proxies. */
function withStandIns(text: string): string {
  return text
    .replace(/(?<!\$)\$\{port:[^}]*\}/g, '1')
    .replace(/(?<!\$)\$\{proxy:[^}]*\}/g, '127.0.0.1:1')
    .replaceAll('$${', '${');
}

export function isLoopback(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

export function checkAddress(value: string, kind: 'url' | 'host', allowRemote: boolean): AddressProblem | undefined {
  const text = withStandIns(value);
  let host: string;
  if (kind === 'url') {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return { code: 'BAD_URL', message: `"${value}" is not a URL`, hint: 'write a full URL like http://127.0.0.1:${port:agent}/health' };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { code: 'BAD_URL', message: `"${value}" is not an http(s) URL` };
    host = url.hostname;
  } else {
    const match = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(text);
    if (match === null || Number(match[2]) > 65_535) return { code: 'BAD_ADDRESS', message: `"${value}" is not host:port`, hint: 'e.g. 127.0.0.1:${port:upstream} or [::1]:8080' };
    host = match[1] as string;
  }
  if (!allowRemote && !isLoopback(host)) {
    return { code: 'NON_LOOPBACK', message: `"${host}" is not a loopback address`, hint: 'faultline talks to 127.0.0.0/8 and ::1 by default; set `allowRemote: true` in the suite to aim it elsewhere' };
  }
  return undefined;
}
