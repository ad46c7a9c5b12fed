// Tables for the File Management check: which leftover names to try, and the content signatures that
// prove what a leftover is. A name alone proves nothing; each kind has its own proof.

/** Extensions of files executed by the server: a readable copy of one discloses source code. */
export const SCRIPT_EXT = /\.(php\d?|phtml|inc|asp|aspx|ascx|asmx|ashx|jsp|jspx|do|action|cfm|cgi|pl|py|rb|config|conf|ini)$/i;

/** Names tried next to a server-side script (`n` is the file name, `b` the name without extension, `e` the extension). */
export const SCRIPT_VARIANTS: ((n: string, b: string, e: string) => string)[] = [
  (n) => `${n}.bak`,
  (n) => `${n}~`,
  (n) => `${n}.old`,
  (n) => `${n}.orig`,
  (n) => `${n}.save`,
  (n) => `${n}.tmp`,
  (n) => `.${n}.swp`,
  (_n, b) => `${b}.bak`,
  (n) => `Copy%20of%20${n}`,
  (_n, b, e) => `${b}%20(1)${e}`,
  // an archive of the script, named after it
  (_n, b) => `${b}.zip`,
  (n) => `${n}.zip`,
  (_n, b) => `${b}.tar.gz`,
];

/** Fewer names next to static files: their copies matter less than a script's. */
export const STATIC_VARIANTS: ((n: string, b: string, e: string) => string)[] = [(n) => `${n}.bak`, (n) => `${n}~`, (n) => `${n}.old`];

/** Per directory: dumps and the Finder's metadata file. Archives named after the folder are added by the check. */
export const DIRECTORY_LEFTOVERS = ['.DS_Store', 'dump.sql', 'backup.sql', 'db.sql'];

/** Archive extensions tried after each folder's name (in its parent) and the host name (at the root). */
export const FOLDER_ARCHIVE_EXT = ['.zip', '.tar.gz', '.tgz', '.sql'];

/** The names people give a whole-site backup, tried where the application lives (its folders and the root). */
export const FIXED_BACKUPS = ['backup.zip', 'backup.tar.gz', 'backup.tgz', 'backup.rar', 'www.zip', 'www.tar.gz', 'site.zip', 'site.tar.gz', 'site.sql', 'web.zip', 'html.zip', 'htdocs.zip', 'public_html.zip', 'database.sql'];

/** Application folders that get FIXED_BACKUPS (start folder and root first). */
export const MAX_BACKUP_DIRS = 20;

/** Once, in the StartUrl's directory: the classic forgotten scripts and pages. */
export const WELL_KNOWN = ['phpinfo.php', 'info.php', 'test.php', 'server-status', 'install.php', 'setup.php'];

export type Kind = 'source' | 'swap' | 'archive' | 'sql' | 'ds-store' | 'phpinfo' | 'server-status' | 'installer' | 'copy';

export interface KindInfo {
  severity: 'high' | 'medium' | 'low' | 'info';
  cwe: number;
  title: string;
}

export const KINDS: Record<Kind, KindInfo> = {
  source: { severity: 'high', cwe: 540, title: 'Backup copy of a server-side script discloses its source' },
  swap: { severity: 'medium', cwe: 530, title: 'Editor swap file left on the server' },
  archive: { severity: 'high', cwe: 530, title: 'Backup archive left on the server' },
  sql: { severity: 'high', cwe: 530, title: 'Database dump left on the server' },
  'ds-store': { severity: 'low', cwe: 527, title: '.DS_Store file lists the folder contents' },
  phpinfo: { severity: 'medium', cwe: 200, title: 'phpinfo() page left on the server' },
  'server-status': { severity: 'low', cwe: 200, title: 'Apache server-status page reachable' },
  installer: { severity: 'high', cwe: 489, title: 'Installer script left on the server' },
  copy: { severity: 'low', cwe: 530, title: 'Backup copy of a file left on the server' },
};

/** Server-side code as the interpreter would read it (never what it renders). */
export const SOURCE_MARKERS: RegExp[] = [/<\?php\b[\s\S]{0,2000}?(?:\$[A-Za-z_]|echo\b|require|include|function\b|\?>)/, /<%@\s*(?:page|Page|Control|import|taglib)\b/, /<%[=\s][\s\S]{0,500}?%>/, /^#!\/(?:usr\/)?bin\/(?:env\s+)?(?:perl|python\d?|ruby|php|sh|bash)\b/m, /<cfquery\b|<cfset\b/i];

export const SQL_DUMP = /^(?:-- (?:MySQL|MariaDB) dump \d|-- PostgreSQL database dump|(?:CREATE TABLE|INSERT INTO|DROP TABLE IF EXISTS) [`"[]?\w+[`"\]]?[\s\S]{0,2000}?;\s*$)/m;
export const PHPINFO = /<title>phpinfo\(\)<\/title>|<h1 class="p">PHP Version [\d.]+<\/h1>/;
export const PHPINFO_TABLE = /<td class="e">\s*(?:System|PHP Version|Server API)\s*<\/td>/;
export const SERVER_STATUS = /<h1>Apache Server Status for [^<]+<\/h1>[\s\S]{0,2000}?Server Version: /;
export const INSTALLER_TITLE = /<title>[^<]*\b(?:install(?:ation|er)?|setup|set up|configuration wizard)\b[^<]*<\/title>/i;
export const DS_STORE_MAGIC = '\u0000\u0000\u0000\u0001Bud1';
export const SWAP_MAGIC = /^b0VIM \d/;
export const ARCHIVE_MAGIC: [string, string][] = [
  ['zip', 'PK\u0003\u0004'],
  ['gzip', '\u001f\u008b'],
  ['7z', "7z\u00bc\u00af'\u001c"],
  ['rar', 'Rar!\u001a\u0007'],
];
