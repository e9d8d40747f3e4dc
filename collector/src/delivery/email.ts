/**
 * E-mail delivery through the provider's SMTP relay, with nodemailer (header
 * encoding, dot-stuffing, STARTTLS and AUTH done by a client that has been
 * hardened against them for a decade). Receipt is the relay's 250 after the
 * message data, timed when it arrives: the relay has taken responsibility for
 * the message, which is as far as SMTP can tell the sender. A 5xx is a
 * permanent failure; a 4xx, a refused or cut connection or a timeout is retried.
 *
 * Every customer-controlled text is made safe here, not trusted to the caller:
 * header texts lose control characters (so CR/LF cannot start a header), body
 * line breaks are normalised, and the Message-ID is the delivery id, the same
 * on every retry, so a resend after a crash can be recognised as one.
 */
import { createTransport } from 'nodemailer';
import { DcprobeError, E } from '@dcprobe/shared';
import type { Sender } from './run.ts';
import type { AttemptOutcome, Delivery } from './types.ts';

export interface MailAddress { name?: string | undefined; address: string }

export interface RelayOptions {
  host: string;
  port: number;
  /** TLS from the first byte (port 465). Otherwise STARTTLS when offered, and required when requireTls. */
  secure: boolean;
  requireTls: boolean;
  auth?: { user: string; pass: string } | undefined;
  /** PEM CA certificates to trust instead of the system's. */
  ca?: string | Buffer | undefined;
  /** Bound on connecting, greeting and each command. */
  timeoutMs: number;
  /** The provider's sender address. */
  from: MailAddress;
  now: () => number;
}

export interface EmailContent {
  to: MailAddress[];
  subject: string;
  text: string;
  attachments?: { filename: string; contentType: string; content: Buffer }[] | undefined;
}

// Deliberately narrower than RFC 5322: no quoted local parts, comments or
// address literals, nothing a header could be smuggled through.
const ADDRESS_RE = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export function mailAddress(text: string): string {
  if (!ADDRESS_RE.test(text)) throw new DcprobeError(E.DELIVERY_TARGET, `e-mail address: not a plain address: ${JSON.stringify(text.slice(0, 80))}`);
  return text;
}

/** A header text: control characters (CR, LF, TAB, NUL, …) become spaces; bounded length. */
export function headerText(s: string, max = 200): string {
  const flat = s.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ').replace(/ {2,}/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A body text: line breaks as LF (the client writes CRLF), other control characters except TAB dropped. */
export function bodyText(s: string): string {
  return s.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
}

const address = (a: MailAddress) => ({ name: a.name === undefined ? '' : headerText(a.name, 100), address: mailAddress(a.address) });

export function emailSender(o: RelayOptions): Sender<EmailContent> {
  const from = address(o.from);
  const domain = from.address.slice(from.address.indexOf('@') + 1);
  return {
    channel: 'email',
    async send(d: Delivery, c: EmailContent): Promise<AttemptOutcome> {
      // One connection per attempt: nothing is pooled across a crash or a relay restart.
      const transport = createTransport({
        host: o.host, port: o.port, secure: o.secure, requireTLS: o.requireTls, ...(o.auth ? { auth: o.auth } : {}),
        tls: o.ca ? { ca: o.ca } : {}, connectionTimeout: o.timeoutMs, greetingTimeout: o.timeoutMs, socketTimeout: o.timeoutMs,
        disableFileAccess: true, disableUrlAccess: true, logger: false,
      });
      try {
        const info = await transport.sendMail({
          from, to: c.to.map(address), subject: headerText(c.subject), text: bodyText(c.text),
          messageId: `<${messageIdPart(d.id)}@${domain}>`, headers: { 'X-Dcprobe-Delivery': messageIdPart(d.id) },
          attachments: (c.attachments ?? []).map((a) => ({ filename: headerText(a.filename, 120), contentType: a.contentType, content: a.content })),
        });
        return { kind: 'receipt', at: o.now(), response: headerText(info.response ?? '250', 200) };
      } catch (e) {
        return failure(e as SmtpError);
      } finally {
        transport.close();
      }
    },
  };
}

const messageIdPart = (id: string): string => id.replace(/[^A-Za-z0-9._-]/g, '_');

/** nodemailer's error: its own code (ESOCKET, ETIMEDOUT, ETLS, …), the socket's in originalCode, the relay's reply code. */
interface SmtpError { code?: string; originalCode?: string; responseCode?: number }

function failure(e: SmtpError): AttemptOutcome {
  if (typeof e.responseCode === 'number') {
    // The relay's own words stay out: only the code and the stage are recorded.
    return { kind: 'failure', failure: 'smtp_status', detail: `SMTP ${e.responseCode} (${e.code ?? 'response'})`, permanent: e.responseCode >= 500 };
  }
  const code = e.originalCode ?? e.code ?? 'ERROR';
  const failure = code === 'ECONNREFUSED' ? 'refused' : code === 'ETIMEDOUT' ? 'timeout' : code === 'ETLS' ? 'tls' : 'network';
  return { kind: 'failure', failure, detail: code, permanent: false };
}
