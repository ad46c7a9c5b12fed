// Every check the engine knows, in one explicit list. An item without a check simply has none here.
import type { VulnItem } from '../core/items.js';
import type { Check } from './types.js';
import { directoryListing } from './directory-listing.js';
import { informationDisclosure } from './information-disclosure.js';

export const allChecks: readonly Check[] = Object.freeze([directoryListing, informationDisclosure]);

/** The checks that serve the given items, in registry order. */
export function checksFor(items: readonly VulnItem[]): Check[] {
  const wanted = new Set<VulnItem>(items);
  return allChecks.filter((c) => wanted.has(c.meta.item));
}

export function checkById(id: string): Check | undefined {
  return allChecks.find((c) => c.meta.id === id);
}
