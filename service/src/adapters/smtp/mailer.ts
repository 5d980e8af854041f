/**
 * E-mail through SMTP with nodemailer. One pooled transport per SMTP_URL; `send` classifies failures: a 5xx
 * SMTP reply is permanent (bad recipient, refused sender), a 4xx reply or no answer is worth a retry.
 */
import nodemailer, { type Transporter } from 'nodemailer';

export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
}

export type MailResult = { ok: true; messageId: string; rejected: string[] } | { ok: false; error: string; retryable: boolean };

export class SmtpMailer {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport(smtpUrl);
  }

  async send(message: MailMessage): Promise<MailResult> {
    try {
      const info = await this.transport.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.text });
      // Some recipients accepted: a retry would send them a second copy, so the refused ones are reported instead.
      const rejected = ((info.rejected ?? []) as Array<string | { address: string }>).map((r) => (typeof r === 'string' ? r : r.address));
      return { ok: true, messageId: String(info.messageId ?? ''), rejected };
    } catch (err) {
      const e = err as { responseCode?: number; message?: string; code?: string };
      const code = typeof e.responseCode === 'number' ? e.responseCode : null;
      const error = `${code ?? e.code ?? 'error'}: ${String(e.message ?? err).slice(0, 300)}`;
      return { ok: false, error, retryable: code === null || code < 500 };
    }
  }

  close(): void {
    this.transport.close();
  }
}
