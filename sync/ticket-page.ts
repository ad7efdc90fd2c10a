/**
 * The signature of a page of tickets pushed by replication. Each ticket's hash covers its content
 * and chains it to the one before; the till's signing key signs the list of (id, hash) of the page,
 * so the server takes a replicated ticket only when the till's private key vouched for it. Holding
 * the HTTP credential (or anything in the server's database) therefore does not let anyone push a
 * forged ticket chained onto the real last hash.
 */
import { signText, verifyText, type TillKeyPair } from './till-keys.ts';

export interface PageSignature {
  keyId: string;
  /** Ed25519, base64. */
  value: string;
}

const PAGE_TYPE = 'tillsync-ticket-page';

/** The text signed: type, till, then one `id hash` line per ticket in page order. */
export function ticketPageText(till: string, tickets: readonly { id?: unknown; hash?: unknown }[]): string {
  return [PAGE_TYPE, till, ...tickets.map((t) => `${String(t?.id)} ${String(t?.hash)}`)].join('\n');
}

export function signTicketPage(key: TillKeyPair, till: string, tickets: readonly { id: string; hash: string }[]): PageSignature {
  return { keyId: key.keyId, value: signText(key.privateKeyPem, ticketPageText(till, tickets)) };
}

export function verifyTicketPage(publicKeyPem: string, till: string, tickets: readonly unknown[], signature: PageSignature): boolean {
  return verifyText(publicKeyPem, ticketPageText(till, tickets as { id?: unknown; hash?: unknown }[]), signature.value);
}
