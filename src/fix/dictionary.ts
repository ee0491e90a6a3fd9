// FIX 4.2 and 4.4 data dictionaries: fields, enums, header and trailer, messages with their
// required fields and repeating groups.
//
// The data comes from QuickFIX's FIX42.xml / FIX44.xml (generated into ./dictionaries/), and is
// expanded here with the rules of QuickFIX's DataDictionary reader, quirks included, because the
// session layer must reject exactly what QuickFIX rejects:
// - a component's fields are required only when the component itself is required;
// - a group's member fields are required only when the group itself is required;
// - components inside a group never make their own fields required;
// - a group's delimiter is its first member (for a leading component, that component's first field).
import type { FieldLayout, GroupShape } from './encoder.js';
import { FIX42_SPEC } from './dictionaries/fix42.js';
import { FIX44_SPEC } from './dictionaries/fix44.js';
import { STANDARD_HEADER_TAGS, STANDARD_TRAILER_TAGS } from './tags.js';

export type FixVersion = 'FIX.4.2' | 'FIX.4.4';
export const FIX_VERSIONS: readonly FixVersion[] = ['FIX.4.2', 'FIX.4.4'];

/** Field types as the dictionaries name them (STRING, CHAR, PRICE, INT, UTCTIMESTAMP, ...). */
export type FieldType = string;

export interface FieldDef {
  readonly tag: number;
  readonly name: string;
  readonly type: FieldType;
  /** Allowed values and their descriptions, when the field is an enumeration. */
  readonly values?: ReadonlyMap<string, string>;
}

export class GroupDef implements GroupShape {
  constructor(
    /** NumInGroup tag that introduces the group. */
    readonly countTag: number,
    /** First field of every entry. */
    readonly delimiter: number,
    /** Whether the group is required where it is used. */
    readonly required: boolean,
    /** Every field that may appear in an entry, nested count tags included (QuickFIX's isField). */
    readonly fields: ReadonlySet<number>,
    /** Fields every entry must carry. */
    readonly requiredFields: ReadonlySet<number>,
    /** Groups nested in an entry, by count tag. */
    readonly groups: ReadonlyMap<number, GroupDef>,
    /** Member fields in definition order (components expanded). */
    readonly fieldOrder: readonly number[],
  ) {}

  get members(): ReadonlySet<number> {
    return this.fields;
  }

  group(countTag: number): GroupDef | undefined {
    return this.groups.get(countTag);
  }
}

export interface MessageDef {
  readonly msgType: string;
  readonly name: string;
  readonly category: 'admin' | 'app';
  /** Fields allowed at the top level of the body (components expanded, group members excluded). */
  readonly fields: ReadonlySet<number>;
  readonly requiredFields: ReadonlySet<number>;
  readonly groups: ReadonlyMap<number, GroupDef>;
  /** Top-level body fields in definition order. */
  readonly fieldOrder: readonly number[];
}

// ---------------------------------------------------------------------------------------------
// Generated data shapes

type Flag = 0 | 1;
type SpecNode = [number, Flag] | [number, Flag, SpecNode[]] | [string, Flag];
interface Spec {
  version: string;
  header: SpecNode[];
  trailer: SpecNode[];
  messages: Array<[string, string, 'admin' | 'app', SpecNode[]]>;
  components: Record<string, SpecNode[]>;
  fields: Array<[number, string, string] | [number, string, string, Array<[string, string]>]>;
}

interface Collector {
  fields: Set<number>;
  groups: Map<number, GroupDef>;
  order: number[];
}

const MULTIPLE_VALUE_TYPES = new Set(['MULTIPLEVALUESTRING', 'MULTIPLESTRINGVALUE', 'MULTIPLECHARVALUE']);

export class FixDictionary {
  readonly beginString: FixVersion;
  private readonly fieldsByTag = new Map<number, FieldDef>();
  private readonly tagsByName = new Map<string, number>();
  /** Header fields and whether each is required, in definition order. */
  readonly headerFields: ReadonlyMap<number, boolean>;
  readonly trailerFields: ReadonlyMap<number, boolean>;
  readonly headerGroups: ReadonlyMap<number, GroupDef>;
  readonly trailerGroups: ReadonlyMap<number, GroupDef>;
  private readonly messagesByType = new Map<string, MessageDef>();
  private readonly components: Record<string, SpecNode[]>;

  constructor(spec: Spec) {
    this.beginString = spec.version as FixVersion;
    this.components = spec.components;
    for (const f of spec.fields) {
      const values = f.length === 4 ? new Map(f[3]) : undefined;
      this.fieldsByTag.set(f[0], values ? { tag: f[0], name: f[1], type: f[2], values } : { tag: f[0], name: f[1], type: f[2] });
      this.tagsByName.set(f[1], f[0]);
    }
    const header = this.nonBody(spec.header);
    this.headerFields = header.fields;
    this.headerGroups = header.groups;
    const trailer = this.nonBody(spec.trailer);
    this.trailerFields = trailer.fields;
    this.trailerGroups = trailer.groups;
    for (const [msgType, name, category, nodes] of spec.messages) {
      const target: Collector = { fields: new Set(), groups: new Map(), order: [] };
      const required = new Set<number>();
      for (const node of nodes) {
        if (typeof node[0] === 'string') {
          this.addComponent(node[0], node[1] === 1, target, required);
          continue;
        }
        const tag = node[0];
        target.fields.add(tag);
        target.order.push(tag);
        if (node[1] === 1) required.add(tag);
        if (node.length === 3) this.addGroup(tag, node[2], node[1] === 1, target, required);
      }
      this.messagesByType.set(msgType, {
        msgType,
        name,
        category,
        fields: target.fields,
        requiredFields: required,
        groups: target.groups,
        fieldOrder: target.order,
      });
    }
  }

  private nonBody(nodes: SpecNode[]): { fields: Map<number, boolean>; groups: Map<number, GroupDef> } {
    const fields = new Map<number, boolean>();
    const target: Collector = { fields: new Set(), groups: new Map(), order: [] };
    const unused = new Set<number>();
    for (const node of nodes) {
      if (typeof node[0] === 'string') continue;
      fields.set(node[0], node[1] === 1);
      if (node.length === 3) this.addGroup(node[0], node[2], node[1] === 1, target, unused);
    }
    return { fields, groups: target.groups };
  }

  /**
   * Expands a component into `target`. As in QuickFIX, its required fields count only when the
   * component is required, and they are added to the message's required set (`topRequired`) even
   * when the component sits inside a group. Returns the component's first field or group tag.
   */
  private addComponent(name: string, componentRequired: boolean, target: Collector, topRequired: Set<number>): number {
    const nodes = this.components[name];
    if (nodes === undefined) throw new Error(`${this.beginString}: component ${name} is not defined`);
    let first = 0;
    for (const node of nodes) {
      if (typeof node[0] === 'string') {
        this.addComponent(node[0], node[1] === 1, target, topRequired);
        continue;
      }
      const tag = node[0];
      if (first === 0) first = tag;
      if (node[1] === 1 && componentRequired) topRequired.add(tag);
      target.fields.add(tag);
      target.order.push(tag);
      if (node.length === 3) this.addGroup(tag, node[2], node[1] === 1, target, topRequired);
    }
    return first;
  }

  private addGroup(countTag: number, nodes: SpecNode[], groupRequired: boolean, parent: Collector, topRequired: Set<number>): void {
    const target: Collector = { fields: new Set(), groups: new Map(), order: [] };
    const required = new Set<number>();
    let delimiter = 0;
    for (const node of nodes) {
      let first: number;
      if (typeof node[0] === 'string') {
        first = this.addComponent(node[0], false, target, topRequired);
      } else {
        first = node[0];
        target.fields.add(first);
        target.order.push(first);
        if (node[1] === 1 && groupRequired) required.add(first);
        if (node.length === 3) this.addGroup(first, node[2], node[1] === 1, target, topRequired);
      }
      if (delimiter === 0) delimiter = first;
    }
    if (delimiter === 0) return;
    parent.groups.set(countTag, new GroupDef(countTag, delimiter, groupRequired, target.fields, required, target.groups, target.order));
  }

  // -------------------------------------------------------------------------------------------
  // Queries

  field(tag: number): FieldDef | undefined {
    return this.fieldsByTag.get(tag);
  }

  isField(tag: number): boolean {
    return this.fieldsByTag.has(tag);
  }

  fieldName(tag: number): string | undefined {
    return this.fieldsByTag.get(tag)?.name;
  }

  fieldTag(name: string): number | undefined {
    return this.tagsByName.get(name);
  }

  fieldType(tag: number): FieldType | undefined {
    return this.fieldsByTag.get(tag)?.type;
  }

  /** Allowed values of an enumerated field, or undefined when any value of its type is allowed. */
  enumValues(tag: number): ReadonlyMap<string, string> | undefined {
    return this.fieldsByTag.get(tag)?.values;
  }

  isMultipleValueField(tag: number): boolean {
    const type = this.fieldsByTag.get(tag)?.type;
    return type !== undefined && MULTIPLE_VALUE_TYPES.has(type);
  }

  /**
   * Whether `value` is allowed for `tag`: true for fields without an enumeration; for
   * multiple-value fields every space-separated value must be allowed (QuickFIX's isFieldValue).
   */
  isValidValue(tag: number, value: string): boolean {
    const values = this.fieldsByTag.get(tag)?.values;
    if (values === undefined) return true;
    if (!this.isMultipleValueField(tag)) return values.has(value);
    for (const v of value.split(' ')) if (!values.has(v)) return false;
    return true;
  }

  /** Header field for QuickFIX: always-header tags (Message::isHeaderField) plus the dictionary's. */
  isHeaderField(tag: number): boolean {
    return STANDARD_HEADER_TAGS.has(tag) || this.headerFields.has(tag);
  }

  isTrailerField(tag: number): boolean {
    return STANDARD_TRAILER_TAGS.has(tag) || this.trailerFields.has(tag);
  }

  message(msgType: string): MessageDef | undefined {
    return this.messagesByType.get(msgType);
  }

  isValidMsgType(msgType: string): boolean {
    return this.messagesByType.has(msgType);
  }

  isAdminMsgType(msgType: string): boolean {
    return this.messagesByType.get(msgType)?.category === 'admin';
  }

  messages(): IterableIterator<MessageDef> {
    return this.messagesByType.values();
  }

  /** The repeating group `countTag` introduces at the top level of `msgType`'s body, if any. */
  group(msgType: string, countTag: number): GroupDef | undefined {
    return this.messagesByType.get(msgType)?.groups.get(countTag);
  }

  /** What `sortFieldsForSend` needs to order a message of this type as QuickFIX sends it. */
  layoutFor(msgType: string): FieldLayout {
    const body = this.messagesByType.get(msgType)?.groups;
    return {
      isHeaderField: (tag) => this.isHeaderField(tag),
      group: (tag) => this.headerGroups.get(tag) ?? body?.get(tag),
    };
  }
}

const SPECS: Record<FixVersion, unknown> = { 'FIX.4.2': FIX42_SPEC, 'FIX.4.4': FIX44_SPEC };
const loaded = new Map<FixVersion, FixDictionary>();

export function isSupportedVersion(beginString: string): beginString is FixVersion {
  return beginString === 'FIX.4.2' || beginString === 'FIX.4.4';
}

/** The dictionary of a FIX version, built on first use and shared afterwards. */
export function getDictionary(version: FixVersion): FixDictionary {
  let dict = loaded.get(version);
  if (dict === undefined) {
    const spec = SPECS[version];
    if (spec === undefined) throw new Error(`no data dictionary for ${String(version)}`);
    dict = new FixDictionary(spec as Spec);
    loaded.set(version, dict);
  }
  return dict;
}
