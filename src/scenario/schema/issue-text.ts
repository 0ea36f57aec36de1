/**
 * zod carries only a message per issue; faultline's issues also have a stable code and a
 * hint. Schemas encode the three into the message with `coded()`, and the issue mapper
 * splits them again with `decode()`. A message without the marker is zod's own.
 */
const MARK = '\u0000';

export function coded(code: string, message: string, hint?: string): string {
  return `${MARK}${code}${MARK}${message}${MARK}${hint ?? ''}`;
}

export function decode(message: string): { code: string; message: string; hint?: string } | undefined {
  if (!message.startsWith(MARK)) return undefined;
  const [, code = 'INVALID', text = '', hint = ''] = message.split(MARK);
  return hint === '' ? { code, message: text } : { code, message: text, hint };
}

/** The marker used on "unknown key" issues: the allowed keys travel in the hint slot. */
export function unknownKeysMessage(allowed: readonly string[]): string {
  return coded('UNKNOWN_KEY', 'unknown key', JSON.stringify(allowed));
}
