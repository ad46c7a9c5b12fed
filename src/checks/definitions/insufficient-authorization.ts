// Tables for the Insufficient Authorization check: management paths asked for anonymously, and the
// signs that tell a login page or a denial from the page itself.

/** Asked for without credentials, in the StartUrl's directory and at the origin root. */
export const ADMIN_PATHS = [
  'admin/',
  'administrator/',
  'admin.php',
  'admin/index.php',
  'manager/html',
  'phpmyadmin/',
  'console',
  'actuator',
  'jmx-console/',
  'web-console/',
  'wp-admin/',
  'dashboard/',
  'management/',
  'cpanel',
];

/** A page that asks for credentials: a password field, or a sign-in form by its words. */
export const LOGIN_PAGE = /<input\b[^>]*\btype\s*=\s*["']?password\b|<form\b[^>]*\b(?:login|signin|sign-in|auth)\b/i;

/** Titles and headings of management pages. */
export const ADMIN_HEADING = /<(?:title|h1|h2)\b[^>]*>[^<]*\b(?:admin(?:istration|istrator)?|dashboard|control panel|management|manager|console|back ?office)\b[^<]*<\/(?:title|h1|h2)>|<(?:title|h1|h2)\b[^>]*>[^<]*관리[^<]*<\//i;

/** Words of an error or denial page served with status 200. */
export const DENIAL = /\b(?:access denied|forbidden|not authori[sz]ed|unauthori[sz]ed|permission denied|please (?:log|sign) ?in|login required|session (?:has )?expired|not found)\b/i;

/** Spring Boot's actuator index: its links are the management surface. */
export const ACTUATOR_INDEX = /^\s*\{\s*"_links"\s*:\s*\{[\s\S]*"self"\s*:\s*\{\s*"href"/;

/** Query parameters that name an object. */
export const ID_PARAM = /^(?:id|no|num|uid|oid|key|.*[_-]id|.*[a-z]Id|.*_no)$/;

/** Path segments that are object ids (decimal, 1 to 12 digits). */
export const NUMERIC_SEGMENT = /^\d{1,12}$/;
