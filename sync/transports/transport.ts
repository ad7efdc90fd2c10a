/**
 * One small interface in front of every way a package file leaves a till (or the server): a LAN
 * drop folder, an HTTP upload, a mail. Every implementation runs the same shared test suite
 * (transports.case.test.ts).
 */
export type TransportChannel = 'lan' | 'http' | 'mail';

export interface SendResult {
  channel: TransportChannel;
  /** Where the file went: a path, a URL, the recipients. */
  target: string;
  /** Channel-specific answer (server JSON, mail message id…). */
  detail?: unknown;
}

export interface PackageTransport {
  readonly channel: TransportChannel;
  send(filePath: string): Promise<SendResult>;
}
