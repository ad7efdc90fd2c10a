/**
 * What an HTTP answer may say about the machine: no absolute file paths (they tell an attacker
 * where the data, the sources and the user's home are). Messages keep the file's own name, so
 * "cannot read /srv/shop/data/inbox/TicDeg01_….zip" becomes "cannot read …/TicDeg01_….zip"; the
 * log book keeps the full text. URL paths of this server (/api/…, /bo/…) are left alone.
 */
const POSIX = /(^|[\s"'(=,;[])(\/(?:[^\s"'()<>,;/]+\/)+)([^\s"'()<>,;/]*)/g;
const WINDOWS = /(^|[\s"'(=,;[])([A-Za-z]:\\(?:[^\s"'()<>,;\\]+\\)*)([^\s"'()<>,;\\]*)/g;
const OUR_URLS = /^\/(api|bo)\//;

export function redactPaths(text: string): string {
  return text
    .replace(POSIX, (all, before: string, dir: string, name: string) => (OUR_URLS.test(dir) ? all : `${before}…/${name}`))
    .replace(WINDOWS, (_all, before: string, _dir: string, name: string) => `${before}…\\${name}`);
}
