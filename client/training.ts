/**
 * Training mode: the cashier practises on the real register, and nothing practised reaches the
 * books. A training ticket is renumbered in its own series (`S1-01-F00000001`, its own hash chain),
 * flagged `training: true`, and stored in the till's `meta` collection — never in `tickets`, which
 * is the only source of closures, packages and replication. Intake refuses a ticket flagged
 * training as a second guard. Switching the mode on or off is a journal event.
 */
import { GENESIS_HASH, hashTicket } from '../sync/ticket-chain.ts';
import type { Ticket } from '../sync/types.ts';
import type { FlaggedTicket } from './store/till-store.ts';
import type { TillService } from './till-service.ts';

export function trainingTicketId(store: string, till: string, number: number): string {
  return `${store}-${till}-F${String(number).padStart(8, '0')}`;
}

interface TrainingState {
  on: boolean;
  lastNumber: number;
  lastHash: string;
}

async function state(svc: TillService): Promise<TrainingState> {
  const m = await svc.store.getMeta('training');
  return { on: Boolean(m?.on), lastNumber: Number(m?.lastNumber ?? 0), lastHash: String(m?.lastHash ?? GENESIS_HASH) };
}

export async function setTraining(svc: TillService, on: boolean, cashier?: string): Promise<{ training: boolean; changed: boolean }> {
  return svc.exclusive(async () => {
    const s = await state(svc);
    if (s.on === on) return { training: on, changed: false };
    await svc.store.setMeta('training', 'training', { ...s, on });
    await svc.journal.record(on ? 'training-on' : 'training-off', { cashier: cashier ?? null });
    return { training: on, changed: true };
  });
}

/** Called by TillService.sell (inside its queue) with the ticket as built for the real series. */
export async function storeTrainingTicket(svc: TillService, real: Ticket): Promise<FlaggedTicket> {
  const s = await state(svc);
  const number = s.lastNumber + 1;
  const { hash: _h, ...body } = real;
  const moved = { ...body, id: trainingTicketId(real.store, real.till, number), number, prevHash: s.lastHash, training: true as const };
  const ticket: Ticket = { ...moved, hash: hashTicket(moved) };
  await svc.store.setMeta(`training-ticket:${ticket.id}`, 'training-ticket', ticket as unknown as Record<string, unknown>);
  await svc.store.setMeta('training', 'training', { on: true, lastNumber: number, lastHash: ticket.hash });
  return { ...ticket, packagedIn: null, acknowledgedAt: null, documentNumber: null };
}

export async function trainingTickets(svc: TillService): Promise<Ticket[]> {
  return (await svc.store.metaRange('training-ticket:')).map((m) => m.value as unknown as Ticket);
}
