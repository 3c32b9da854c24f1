// The XML reading the report parsers share (JUnit, TestNG, NUnit, TRX, Cobertura, JaCoCo, Clover): every element a list.
import { XMLParser } from 'fast-xml-parser';

export type XmlNode = Record<string, unknown>;

/** A test or coverage report that cannot be read: the reason goes into the report's status message. */
export class ReportParseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReportParseError';
  }
}

// Every element is a list, so one walker handles any nesting; attributes stay strings. Entities are processed
// (fast-xml-parser's default): JaCoCo reports name a DTD, and nothing in it is needed.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (_name, _jpath, _leaf, isAttribute) => !isAttribute,
  processEntities: true,
});

/** The document as nested lists; a byte-order mark is allowed; malformed XML is a ReportParseError. */
export function parseXml(xml: string): XmlNode {
  try {
    return parser.parse(xml.replace(/^\uFEFF/, ''), true) as XmlNode;
  } catch (error) {
    throw new ReportParseError(`not well-formed XML: ${(error as Error).message}`, { cause: error });
  }
}

/** The child elements called `name`; a text-only child becomes `{ '#text': … }`. */
export function kids(node: XmlNode, name: string): XmlNode[] {
  const v = node[name];
  if (!Array.isArray(v)) return [];
  return v.map((x) => (typeof x === 'object' && x !== null ? (x as XmlNode) : { '#text': typeof x === 'string' ? x : '' }));
}

/** An attribute's value, or '' when absent. */
export function attr(node: XmlNode, name: string): string {
  const v = node[`@_${name}`];
  return typeof v === 'string' ? v : '';
}
