// HTML escaping for everything that came from the target or the user: the five markup characters
// and the backtick (old IE treated it as an attribute quote).
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}
