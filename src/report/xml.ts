/**
 * XML 1.0 text for the renderers that write XML (JUnit). Report strings come from users'
 * scenarios, processes' output and error messages, so any of them may hold markup, `]]>`,
 * quotes or control characters; these helpers make every such string safe to embed.
 */

// Everything outside XML 1.0's Char production: C0 controls other than tab, newline and carriage
// return, lone surrogates (the `u` flag sees them as single code points), U+FFFE and U+FFFF.
// A parser must reject a document holding one even as a character reference, so they are dropped.
const ILLEGAL = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function stripIllegalXmlChars(text: string): string {
  return text.replace(ILLEGAL, '');
}

/** Character data: `>` too, so that `]]>` can never appear; `\r` as a reference so it survives end-of-line normalisation. */
export function xmlText(text: string): string {
  return stripIllegalXmlChars(text).replace(/[&<>\r]/g, (c) => TEXT_ENTITIES[c] as string);
}

/** A double-quoted attribute value; tab, newline and carriage return as references so attribute-value normalisation keeps them. */
export function xmlAttr(text: string): string {
  return stripIllegalXmlChars(text).replace(/[&<>"'\t\n\r]/g, (c) => ATTR_ENTITIES[c] as string);
}

const TEXT_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
const ATTR_ENTITIES: Readonly<Record<string, string>> = { ...TEXT_ENTITIES, '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;' };

/** An element with attributes (in the given order, so output is stable) and optional text content. */
export function xmlElement(name: string, attrs: Attrs, text?: string): string {
  const open = startTag(name, attrs);
  return text === undefined || text === '' ? `${open}/>` : `${open}>${xmlText(text)}</${name}>`;
}

/** A start tag for an element whose content the caller writes. */
export function xmlStartTag(name: string, attrs: Attrs): string {
  return `${startTag(name, attrs)}>`;
}

type Attrs = readonly (readonly [string, string])[];

const startTag = (name: string, attrs: Attrs): string => `<${name}${attrs.map(([k, v]) => ` ${k}="${xmlAttr(v)}"`).join('')}`;
