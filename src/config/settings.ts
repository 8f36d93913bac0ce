// Every setting of the product, typed and documented once (DESIGN §4). Each has a property key
// (MOSIP's own where MOSIP has one), an environment variable, a command-line flag and a default.
import { autoOr, boolean, byteSize, httpUrl, integer, list, text } from './setting-parsers.js';

/** A setting's value after parsing. */
export type SettingValue = string | number | boolean | string[] | undefined;

/** How one setting is named in each source and how its text is parsed. */
export interface SettingSpec<T extends SettingValue> {
  /** Property key in lib/mosip-application.properties or lib/spring.properties. */
  property: string;
  /** Environment variable (REG_UPGRADER_*). */
  env: string;
  /** Command-line flag, camelCase as commander reports it (e.g. `serverUrl` for --server-url). */
  flag: string;
  /** One line for README and --help. */
  doc: string;
  default: T;
  /** Turns text into a value, or returns a string saying what was expected. */
  parse(text: string): T | { expected: string };
}

/** The concurrency setting's default, typed as the setting's values. */
const AUTO: number | 'auto' = 'auto';

/** Which client database: found on disk, or named. */
export type DbKindSetting = 'auto' | 'sqlite' | 'derby';
// A function, so the default's type is the union and not the literal 'auto'.
const dbKindDefault = (): DbKindSetting => 'auto';

/** The settings table: the single source of truth for configuration. */
export const SETTINGS = {
  serverUrl: {
    property: 'mosip.reg.client.url',
    env: 'REG_UPGRADER_SERVER_URL',
    flag: 'serverUrl',
    doc: 'upgrade server base URL, ending at …/registration-client/',
    default: undefined as string | undefined,
    parse: httpUrl,
  },
  metadataUrl: {
    property: 'mosip.reg.xml.file.url',
    env: 'REG_UPGRADER_METADATA_URL',
    flag: 'metadataUrl',
    doc: 'maven-metadata.xml URL (default: <server URL>maven-metadata.xml)',
    default: undefined as string | undefined,
    parse: httpUrl,
  },
  healthUrl: {
    property: 'mosip.reg.healthcheck.url',
    env: 'REG_UPGRADER_HEALTH_URL',
    flag: 'healthUrl',
    doc: 'online probe URL (default: the maven-metadata.xml URL)',
    default: undefined as string | undefined,
    parse: httpUrl,
  },
  rollbackPath: {
    property: 'mosip.reg.rollback.path',
    env: 'REG_UPGRADER_ROLLBACK_PATH',
    flag: 'rollbackPath',
    doc: 'backup root, relative to the client folder unless absolute',
    default: 'BackUp',
    parse: text,
  },
  environment: {
    property: 'environment',
    env: 'REG_UPGRADER_ENVIRONMENT',
    flag: 'environment',
    doc: 'MOSIP environment name; LOCAL skips validation and patching, as in MOSIP',
    default: '',
    parse: text,
  },
  connectTimeoutMs: {
    property: 'mosip.registration.sw.file.download.connection.timeout',
    env: 'REG_UPGRADER_CONNECT_TIMEOUT',
    flag: 'connectTimeout',
    doc: 'connection timeout for downloads, in ms',
    default: 10_000,
    parse: integer(1, 600_000),
  },
  readTimeoutMs: {
    property: 'mosip.registration.sw.file.download.read.timeout',
    env: 'REG_UPGRADER_READ_TIMEOUT',
    flag: 'readTimeout',
    doc: 'read (idle socket) timeout for downloads, in ms',
    default: 60_000,
    parse: integer(1, 3_600_000),
  },
  versionMappings: {
    property: 'mosip.registration.verion.upgrade.version-mappings',
    env: 'REG_UPGRADER_VERSION_MAPPINGS',
    flag: 'versionMappings',
    doc: 'JSON version mappings {version: {dbVersion, releaseOrder}} (MOSIP spelling "verion")',
    default: '',
    parse: text,
  },
  concurrency: {
    property: 'reg.upgrader.download.concurrency',
    env: 'REG_UPGRADER_CONCURRENCY',
    flag: 'concurrency',
    doc: 'files downloaded at once: auto (from 8, doubling while throughput grows, up to 32; halved on errors) or a fixed number',
    // auto: a link that answers slowly gains from many requests in flight, a narrow one does not (BENCHMARKS.md, Download).
    default: AUTO,
    parse: autoOr(integer(1, 64)),
  },
  retries: {
    property: 'reg.upgrader.download.retries',
    env: 'REG_UPGRADER_RETRIES',
    flag: 'retries',
    doc: 'retries of a failed download (exponential backoff with jitter)',
    default: 5,
    parse: integer(0, 100),
  },
  maxFileSize: {
    property: 'reg.upgrader.download.max-file-size',
    env: 'REG_UPGRADER_MAX_FILE_SIZE',
    flag: 'maxFileSize',
    doc: 'largest file a download may write when MANIFEST.MF gives no Content-Length for it (K, M, G allowed)',
    default: 1024 ** 3,
    parse: byteSize(1),
  },
  freeSpaceReserve: {
    property: 'reg.upgrader.download.free-space-reserve',
    env: 'REG_UPGRADER_FREE_SPACE_RESERVE',
    flag: 'freeSpaceReserve',
    doc: 'free space a download always leaves on the disk, for the log, the state database and the client (K, M, G allowed; 0 = none)',
    default: 64 * 1024 ** 2,
    parse: byteSize(0),
  },
  fileDeadlineMs: {
    property: 'reg.upgrader.download.file-deadline',
    env: 'REG_UPGRADER_FILE_DEADLINE',
    flag: 'fileDeadline',
    doc: 'longest time one file may take to download, all attempts together, in ms (0 = none); the bytes so far are kept for the next run',
    default: 1_800_000,
    parse: integer(0, 86_400_000),
  },
  probeTimeoutMs: {
    property: 'reg.upgrader.probe.timeout',
    env: 'REG_UPGRADER_PROBE_TIMEOUT',
    flag: 'probeTimeout',
    doc: 'how long the online probe waits for an answer, in ms',
    default: 5_000,
    parse: integer(1, 600_000),
  },
  backupsKept: {
    property: 'reg.upgrader.backups.kept',
    env: 'REG_UPGRADER_BACKUPS_KEPT',
    flag: 'keepBackups',
    doc: 'backups kept after a successful upgrade (MOSIP keeps none)',
    default: 0,
    parse: integer(0, 100),
  },
  extraBackupPaths: {
    property: 'reg.upgrader.backup.extra-paths',
    env: 'REG_UPGRADER_BACKUP_EXTRA_PATHS',
    flag: 'backupExtraPaths',
    doc: 'comma-separated extra paths to back up (e.g. ~/.mosipkeys)',
    default: [] as string[],
    parse: list,
  },
  crashLoopLimit: {
    property: 'reg.upgrader.crash-loop.limit',
    env: 'REG_UPGRADER_CRASH_LOOP_LIMIT',
    flag: 'crashLoopLimit',
    doc: 'restores of an upgrade step without progress before giving up on it',
    default: 10,
    parse: integer(1, 1000),
  },
  publicKey: {
    property: 'mosip.reg.upgrade.public-key',
    env: 'REG_UPGRADER_PUBLIC_KEY',
    flag: 'publicKey',
    doc: 'PEM public key or certificate (RSA): require every MANIFEST.MF signed with it (MANIFEST.MF.sig); a property value is relative to the client folder',
    default: undefined as string | undefined,
    parse: text,
  },
  caFile: {
    property: 'reg.upgrader.ca-file',
    env: 'REG_UPGRADER_CA_FILE',
    flag: 'caFile',
    doc: "PEM bundle of extra CAs to trust for https:// downloads and the fleet service (added to Node's built-in roots); a property value is relative to the client folder",
    default: undefined as string | undefined,
    parse: text,
  },
  wholeFiles: {
    property: 'reg.upgrader.download.whole-files',
    env: 'REG_UPGRADER_WHOLE_FILES',
    flag: 'wholeFiles',
    doc: 'download every changed file whole: no differential download from local copies and Range requests',
    default: false,
    parse: boolean,
  },
  allowDowngrade: {
    property: 'reg.upgrader.allow-downgrade',
    env: 'REG_UPGRADER_ALLOW_DOWNGRADE',
    flag: 'allowDowngrade',
    doc: 'offer and apply a version older than the installed one',
    default: false,
    parse: boolean,
  },
  channel: {
    property: 'reg.upgrader.channel',
    env: 'REG_UPGRADER_CHANNEL',
    flag: 'channel',
    doc: "this station's rollout channel (e.g. pilot): rollout.json's share for it applies when higher than the percent",
    default: '',
    parse: (value: string): string | { expected: string } =>
      /^([A-Za-z0-9][A-Za-z0-9._-]{0,99})?$/.test(value.trim()) ? value.trim() : { expected: "a channel name: letters, digits, '.', '_' or '-'" },
  },
  dbKind: {
    property: 'reg.upgrader.db.kind',
    env: 'REG_UPGRADER_DB_KIND',
    flag: 'dbKind',
    doc: 'the client database: auto (db/reg/service.properties = Derby, else db/reg.sqlite = SQLite), sqlite or derby',
    default: dbKindDefault(),
    parse: (value: string): DbKindSetting | { expected: string } => {
      const kind = value.trim().toLowerCase();
      return kind === 'auto' || kind === 'sqlite' || kind === 'derby' ? kind : { expected: 'auto, sqlite or derby' };
    },
  },
  derbyClasspath: {
    property: 'reg.upgrader.derby.classpath',
    env: 'REG_UPGRADER_DERBY_CLASSPATH',
    flag: 'derbyClasspath',
    doc: "comma-separated Derby jars to use when lib/ has no derby-*.jar (e.g. /usr/share/java/derby.jar); a property value is relative to the client folder",
    default: [] as string[],
    parse: list,
  },
  dbCredentialsFile: {
    property: 'reg.upgrader.db.credentials-file',
    env: 'REG_UPGRADER_DB_CREDENTIALS_FILE',
    flag: 'dbCredentialsFile',
    doc: "a file holding the Derby credentials as MOSIP's decrypted db.conf text (<boot>-BREAK-<user>-BREAK-<password>), instead of .mosipkeys/db.conf; a property value is relative to the client folder",
    default: undefined as string | undefined,
    parse: text,
  },
  fleetUrl: {
    property: 'reg.upgrader.fleet.url',
    env: 'REG_UPGRADER_FLEET_URL',
    flag: 'fleetUrl',
    doc: 'fleet service base URL (e.g. https://fleet.example.org/): each run queues a report and sends the queue to <url>fleet/v1/reports within 2 s, best effort',
    default: undefined as string | undefined,
    parse: httpUrl,
  },
  fleetTokenFile: {
    property: 'reg.upgrader.fleet.token-file',
    env: 'REG_UPGRADER_FLEET_TOKEN_FILE',
    flag: 'fleetTokenFile',
    doc: "a file holding the fleet service's bearer token; a property value is relative to the client folder",
    default: undefined as string | undefined,
    parse: text,
  },
} satisfies Record<string, SettingSpec<SettingValue>>;

/** Names of all settings. */
export type SettingName = keyof typeof SETTINGS;

/** The resolved configuration: one typed value per setting. */
export type Settings = { [K in SettingName]: (typeof SETTINGS)[K]['default'] };

/**
 * The one retry policy of every network operation (downloads, manifest, metadata): `retries` from
 * the settings, then exponential backoff with jitter whose ceiling starts at 0.5 s and stops at 30 s.
 */
export function retryPolicy(settings: Pick<Settings, 'retries'>): { retries: number; baseDelayMs: number; maxDelayMs: number } {
  return { retries: settings.retries, baseDelayMs: 500, maxDelayMs: 30_000 };
}
