import type { CoreTables } from './core-tables.ts';
import type { IntegrationTables } from '../integration/tables.ts';
import type { AccountingTables } from '../accounting/tables.ts';
import type { ExportsTables } from '../exports/tables.ts';
import type { WebTables } from '../web/tables.ts';
import type { OverrideTables } from '../integration/overrides-tables.ts';
import type { InvoicingTables } from '../invoicing/tables.ts';
import type { ImportsTables } from '../imports/tables.ts';
import type { EinvoiceTables } from '../einvoice/tables.ts';
import type { KeysTables } from '../security/keys-tables.ts';
import type { FiscalTables } from '../fiscal/tables.ts';
import type { ExactTables } from '../exact/tables.ts';

export interface Database extends CoreTables, IntegrationTables, AccountingTables, ExportsTables, WebTables, OverrideTables, KeysTables, ImportsTables, InvoicingTables, EinvoiceTables, FiscalTables, ExactTables {}
