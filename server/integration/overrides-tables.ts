/**
 * Back-office corrections of pending tickets (merged into Database in db/schema.ts). A ticket is
 * signed and hash-chained, its row never changes: a correction lives here, and integration reads
 * the ticket's customer through it (ticket-source.ts).
 */

export interface TicketOverridesTable {
  /** The ticket corrected (tickets.id); one correction per ticket, the latest wins. */
  ticket_id: string;
  /** The customer integration uses for this ticket instead of the one it was sold to. */
  customer: string;
  /** The customer the ticket went by just before this correction (its own, or an earlier correction). */
  previous_customer: string;
  set_at: string;
  /** Back-office user, or `cli:<login>` from the command line. */
  set_by: string;
  reason: string | null;
}

export interface OverrideTables {
  ticket_overrides: TicketOverridesTable;
}
