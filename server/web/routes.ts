/** The back office (server/web/ owns it), mounted on the server's express app by `server start`. */
import type { Express } from 'express';
import type { ServerContext } from '../context.ts';

export function mountBackOffice(_app: Express, _ctx: ServerContext): void {}
