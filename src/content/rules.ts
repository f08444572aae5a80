// The content rules: compiled once from the configuration, then evaluated, in order, against
// the walk's report of each message. Every condition a rule gives must hold; a rule with part
// conditions matches the parts (attachments, or the files inside them) that meet all of them.
import type { ContentRuleConfig } from '../config/sections/content.ts';
import type { FileFacts } from './file-facts.ts';
import type { MessageReport, PartReport, WalkProbes } from './mime-walk.ts';
import type { Direction, RuleMatch, ScanResult } from './types.ts';

const ALL_DIRECTIONS: Direction[] = ['inbound', 'outbound', 'internal'];

/** A virus found and no rule of the configuration about viruses: quarantine, as the policy's default. */
const VIRUS_RULE: ContentRuleConfig = { name: 'virus', match: { virus: true }, action: 'quarantine', directions: ALL_DIRECTIONS };

/** The company policy's defaults, when content.rules is not given. */
export const DEFAULT_RULES: readonly ContentRuleConfig[] = [
  VIRUS_RULE,
  { name: 'disguised-executable', match: { disguised: true }, action: 'quarantine', directions: ALL_DIRECTIONS },
  { name: 'executable', match: { executable: true }, action: 'strip', directions: ALL_DIRECTIONS },
  { name: 'encrypted-archive', match: { encrypted: true }, action: 'tag', directions: ALL_DIRECTIONS },
];

/** What the rules are evaluated against beyond the walk's report. */
export interface MessageFacts {
  directions: ReadonlySet<Direction>;
  scan?: ScanResult;
}

export class ContentRules {
  readonly probes: WalkProbes;
  private readonly rules: readonly ContentRuleConfig[];
  private readonly signatureIndexes: number[][];
  private readonly textIndex: Map<ContentRuleConfig, number>;
  private readonly headerIndex: Map<ContentRuleConfig, number>;

  constructor(configured: readonly ContentRuleConfig[] | undefined) {
    const rules = configured ?? DEFAULT_RULES;
    this.rules = rules.some((r) => r.match.virus) ? rules : [...rules, VIRUS_RULE];
    const signatures: Buffer[] = [];
    const textPatterns: RegExp[] = [];
    const headerPatterns: RegExp[] = [];
    this.textIndex = new Map();
    this.headerIndex = new Map();
    this.signatureIndexes = this.rules.map((r) => (r.match.signature ?? []).map((s) => signatures.push(s) - 1));
    for (const r of this.rules) {
      if (r.match.text) this.textIndex.set(r, textPatterns.push(r.match.text) - 1);
      if (r.match.header) this.headerIndex.set(r, headerPatterns.push(r.match.header) - 1);
    }
    this.probes = { signatures, textPatterns, headerPatterns };
  }

  /** Every rule that matches, in the order of the rules. */
  evaluate(report: MessageReport, facts: MessageFacts): RuleMatch[] {
    const matches: RuleMatch[] = [];
    this.rules.forEach((rule, index) => {
      if (!rule.directions.some((d) => facts.directions.has(d))) return;
      const m = rule.match;
      const why: string[] = [];
      if (m.virus) {
        if (facts.scan?.kind !== 'infected') return;
        why.push(`virus ${facts.scan.signature}`);
      }
      const header = this.headerIndex.get(rule);
      if (header !== undefined) {
        if (!report.headerHits.has(header)) return;
        why.push(`a header matching /${m.header?.source}/`);
      }
      const partTest = this.partTest(rule, index);
      if (partTest) {
        const findings: Record<string, string> = {};
        for (const part of report.parts) {
          const found = partTest(part);
          if (found !== undefined) findings[part.part] = `${describePart(part)}${found ? ` (${found})` : ''}`;
        }
        const parts = Object.keys(findings);
        if (parts.length === 0) return;
        why.push(...Object.values(findings));
        matches.push({ rule: rule.name, action: rule.action, reason: why.join('; '), parts, findings });
        return;
      }
      matches.push({ rule: rule.name, action: rule.action, reason: why.join('; '), parts: [] });
    });
    return matches;
  }

  /** The rule's subject prefix for tag, if it has its own. */
  subjectPrefixOf(ruleName: string): string | undefined {
    return this.rules.find((r) => r.name === ruleName)?.subjectPrefix;
  }

  /**
   * A test of one part against the rule's part conditions: undefined when the part fails one,
   * else a finding (possibly empty) for the log; no test at all when the rule has no part conditions.
   */
  private partTest(rule: ContentRuleConfig, index: number): ((part: PartReport) => string | undefined) | undefined {
    const m = rule.match;
    const fileTests: Array<(f: FileFacts) => string | undefined> = [];
    if (m.realType) fileTests.push((f) => (f.realType !== undefined && m.realType?.includes(f.realType) ? f.realType : undefined));
    if (m.executable) fileTests.push((f) => (f.executable ? `${f.realType ?? f.extension} content` : undefined));
    if (m.extension) fileTests.push((f) => (f.extension !== undefined && m.extension?.includes(f.extension) ? `.${f.extension}` : undefined));
    if (m.mismatch) fileTests.push((f) => (f.mismatch ? f.finding : undefined));
    if (m.disguised) fileTests.push((f) => (f.disguised ? f.finding : undefined));
    const partTests: Array<(p: PartReport) => string | undefined> = [];
    if (m.encrypted) partTests.push((p) => (p.encrypted ? 'an encrypted archive' : undefined));
    if (m.sizeOver !== undefined) partTests.push((p) => (p.size > (m.sizeOver ?? 0) ? `${p.size} bytes` : undefined));
    const signatures = this.signatureIndexes[index];
    if (signatures.length > 0) partTests.push((p) => (signatures.some((i) => p.signatureHits.has(i)) ? 'a signature' : undefined));
    const text = this.textIndex.get(rule);
    if (text !== undefined) partTests.push((p) => (p.textHits.has(text) ? `text matching /${m.text?.source}/` : undefined));
    if (fileTests.length === 0 && partTests.length === 0) return undefined;

    return (part) => {
      const findings: string[] = [];
      for (const test of partTests) {
        const found = test(part);
        if (found === undefined) return undefined;
        findings.push(found);
      }
      if (fileTests.length > 0) {
        // The part itself, or one file inside it, must meet all the file conditions.
        const files: FileFacts[] = part.isFile ? [part, ...part.inside] : [];
        const hit = files.map((f) => ({ f, found: fileTests.map((t) => t(f)) })).find((r) => r.found.every((x) => x !== undefined));
        if (!hit) return undefined;
        findings.push(hit.f === part ? hit.found.join(', ') : `"${hit.f.name}" inside: ${hit.found.join(', ')}`);
      }
      return findings.filter((x) => x !== '').join(', ');
    };
  }
}

function describePart(part: PartReport): string {
  return part.name !== undefined ? `attachment "${part.name}"` : `part ${part.part} (${part.declaredType ?? 'text/plain'})`;
}
