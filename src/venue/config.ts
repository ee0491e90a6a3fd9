// The venue's configuration: where the FIX gateway listens, who may log on, what trades, and the
// venue-wide self-trade rule. Everything has a default, so `crucible start` needs no file; a JSON
// file (--config) changes what it names, and command-line flags override the file. The result is
// checked once, at startup, so a typo fails there with a message naming the setting.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { StpMode } from '../engine/index.js';
import { SUPPORTED_BEGIN_STRINGS } from '../fix/session-settings.js';
import { DEFAULT_LISTINGS, formatIssues, loadInstrumentsFile, parseInstruments, type ListedInstrument } from './instruments.js';

export const DEFAULT_FIX_PORT = 9878;
export const DEFAULT_FIX_HOST = '127.0.0.1';
export const DEFAULT_SENDER_COMP_ID = 'CRUCIBLE';
export const DEFAULT_DATA_DIR = './data';
/** Per FIX session: well above what one client on this machine can send, a guard against a runaway loop. */
export const DEFAULT_MAX_ORDERS_PER_SECOND = 50_000;
export const FSYNC_MODES = ['batch', 'off'] as const;
export type FsyncMode = (typeof FSYNC_MODES)[number];

/** Self-trade prevention modes by their config names. */
export const STP_MODES = {
  none: StpMode.None,
  cancelNewest: StpMode.CancelNewest,
  cancelOldest: StpMode.CancelOldest,
  cancelBoth: StpMode.CancelBoth,
  decrementAndCancel: StpMode.DecrementAndCancel,
} as const;

// Same rule as the session layer's: a CompID travels in every header, so no SOH, '=' or spaces.
const compId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
  .refine((s) => !s.includes('=') && s !== 'any', 'may not contain "=" or be "any"');

const sessionOptionsSchema = z.strictObject({
  heartBtInt: z.number().int().min(0).max(3600).optional(),
  resetOnLogon: z.boolean().optional(),
  resetOnLogout: z.boolean().optional(),
  resetOnDisconnect: z.boolean().optional(),
  /** Check received messages against the FIX version's data dictionary. */
  validate: z.boolean().optional(),
  checkLatency: z.boolean().optional(),
  maxLatency: z.number().int().positive().max(86_400).optional(),
  logonTimeout: z.number().positive().max(3600).optional(),
  logoutTimeout: z.number().positive().max(3600).optional(),
});

export const venueConfigSchema = z.strictObject({
  fix: z
    .strictObject({
      /** Interface to listen on; loopback unless the operator opens it up deliberately. */
      host: z.string().min(1).default(DEFAULT_FIX_HOST),
      /** TCP port; 0 picks a free one. */
      port: z.number().int().min(0).max(65535).default(DEFAULT_FIX_PORT),
      senderCompID: compId.default(DEFAULT_SENDER_COMP_ID),
      beginStrings: z.array(z.enum(SUPPORTED_BEGIN_STRINGS)).min(1).default([...SUPPORTED_BEGIN_STRINGS]),
      /** Counterparties allowed to log on. Absent: any CompID may (one session per CompID and version). */
      clients: z
        .array(
          z.strictObject({
            compID: compId,
            /** Only this FIX version; absent: every version in beginStrings. */
            beginString: z.enum(SUPPORTED_BEGIN_STRINGS).optional(),
            password: z.string().min(1).max(256).optional(),
          }),
        )
        .min(1)
        .optional(),
      session: sessionOptionsSchema.prefault({}),
      /** New orders and replaces a session may send per second; more are rejected (2003). */
      maxOrdersPerSecond: z.number().int().min(1).max(10_000_000).default(DEFAULT_MAX_ORDERS_PER_SECOND),
    })
    .prefault({}),
  /** Applied to every order; "none" lets an account trade with itself. */
  selfTradePrevention: z.enum(Object.keys(STP_MODES) as [keyof typeof STP_MODES, ...Array<keyof typeof STP_MODES>]).default('none'),
  /**
   * The instruments to list, inline or as the path of a JSON file holding the list (relative to
   * the config file); absent: the default set.
   */
  instruments: z.union([z.string().min(1), z.array(z.unknown())]).optional(),
  /**
   * Done orders (and ClOrdIDs of rejected requests) remembered for status requests, late cancels
   * and duplicate-ClOrdID checks. Live orders are always remembered.
   */
  recentOrders: z.number().int().min(0).max(10_000_000).default(100_000),
  /**
   * Where the journal, snapshots and FIX session state live (relative to the config file);
   * created on first start.
   */
  dataDir: z.string().min(1).default(DEFAULT_DATA_DIR),
  durability: z
    .strictObject({
      /**
       * batch: a command is acknowledged once an fsync covers it (commands arriving together share
       * one); off: acknowledged once written, which survives a killed process but not a power cut.
       */
      fsync: z.enum(FSYNC_MODES).default('batch'),
      /** Longest a command waits for the fsync that covers it to start, ms. */
      maxBatchDelayMs: z.number().min(0).max(1000).optional(),
      /**
       * A snapshot after this many commands... A snapshot stops the event loop for a time that grows
       * with the order registry, so under load it is kept rare: the journal replays the rest.
       */
      snapshotEveryCommands: z.number().int().min(1).max(100_000_000).default(1_000_000),
      /** ...or this many seconds, whichever comes first (0: only by count and at shutdown). */
      snapshotEverySeconds: z.number().min(0).max(86_400).default(300),
    })
    .prefault({}),
});

export type VenueConfigInput = z.input<typeof venueConfigSchema>;
type ParsedVenueConfig = z.output<typeof venueConfigSchema>;

export interface VenueConfig extends Omit<ParsedVenueConfig, 'instruments' | 'selfTradePrevention'> {
  readonly listings: readonly ListedInstrument[];
  readonly selfTradePrevention: StpMode;
  readonly selfTradePreventionName: keyof typeof STP_MODES;
  /** The file the settings came from, when there was one. */
  readonly source?: string;
}

/** Command-line flags that take precedence over the file. */
export interface VenueConfigOverrides {
  readonly fixPort?: number;
  readonly fixHost?: string;
  readonly senderCompID?: string;
  /** Taken as given (relative to the working directory). */
  readonly dataDir?: string;
  readonly fsync?: FsyncMode;
}

/** Validates settings (a parsed config file, or nothing) with flags applied on top. Throws a readable Error. */
export function resolveVenueConfig(input: unknown = {}, overrides: VenueConfigOverrides = {}, source?: string): VenueConfig {
  const where = source === undefined ? 'venue config' : `venue config ${source}`;
  if (!isPlainObject(input)) throw new Error(`${where}: expected a JSON object`);
  const raw = input;
  const fileFix = raw.fix ?? {};
  // A malformed "fix" section is left as it is, for the schema to report.
  const fix = isPlainObject(fileFix) ? { ...fileFix, ...flagsOnly(overrides) } : fileFix;
  const withFlags: Record<string, unknown> = { ...raw, fix };
  if (overrides.dataDir !== undefined) withFlags.dataDir = overrides.dataDir;
  if (overrides.fsync !== undefined) {
    const fileDurability = raw.durability ?? {};
    withFlags.durability = isPlainObject(fileDurability) ? { ...fileDurability, fsync: overrides.fsync } : fileDurability;
  }
  const r = venueConfigSchema.safeParse(withFlags);
  if (!r.success) throw new Error(`${where}: ${formatIssues(r.error)}`);
  const { instruments, selfTradePrevention, dataDir, ...rest } = r.data;
  let listings: readonly ListedInstrument[];
  try {
    if (instruments === undefined) listings = DEFAULT_LISTINGS;
    else if (typeof instruments === 'string') listings = loadInstrumentsFile(resolve(source === undefined ? '.' : dirname(source), instruments));
    else listings = parseInstruments(instruments);
  } catch (e) {
    throw new Error(`${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const fromFile = source !== undefined && overrides.dataDir === undefined && raw.dataDir !== undefined;
  return {
    ...rest,
    dataDir: fromFile ? resolve(dirname(source), dataDir) : dataDir,
    listings,
    selfTradePrevention: STP_MODES[selfTradePrevention],
    selfTradePreventionName: selfTradePrevention,
    ...(source === undefined ? {} : { source }),
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function flagsOnly(overrides: VenueConfigOverrides): Record<string, unknown> {
  const fix: Record<string, unknown> = {};
  if (overrides.fixPort !== undefined) fix.port = overrides.fixPort;
  if (overrides.fixHost !== undefined) fix.host = overrides.fixHost;
  if (overrides.senderCompID !== undefined) fix.senderCompID = overrides.senderCompID;
  return fix;
}

/** Reads a JSON config file and applies the flags on top. */
export function loadVenueConfig(path: string | undefined, overrides: VenueConfigOverrides = {}): VenueConfig {
  if (path === undefined) return resolveVenueConfig({}, overrides);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read venue config ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return resolveVenueConfig(json, overrides, path);
}

/** A --fsync value. */
export function parseFsyncFlag(text: string): FsyncMode {
  if (!(FSYNC_MODES as readonly string[]).includes(text)) throw new Error(`--fsync must be ${FSYNC_MODES.join(' or ')}, got "${text}"`);
  return text as FsyncMode;
}

/** A --fix-port value: a whole number 0..65535 (0 picks a free port). */
export function parsePortFlag(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new Error(`--fix-port must be a whole number from 0 to 65535, got "${text}"`);
  return Number(text);
}
