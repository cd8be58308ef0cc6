import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Failed sign-ins allowed in the window, per email and per client address. */
export const LOGIN_WINDOW_MINUTES = 15;
export const MAX_FAILURES_PER_EMAIL = 5;
export const MAX_FAILURES_PER_IP = 20;

/**
 * Sign-in throttling on a sliding window, kept in the database so every server instance agrees. While an
 * email or address is throttled, attempts are refused before the password is checked (and not counted).
 */
@Injectable()
export class LoginThrottle {
  constructor(private readonly dataSource: DataSource) {}

  /** Seconds to wait before the next attempt, or 0 when an attempt may be made now. */
  async retryAfterSeconds(orgId: string, email: string, ip: string): Promise<number> {
    const waits = await Promise.all([this.wait(orgId, 'email', email, MAX_FAILURES_PER_EMAIL), this.wait(orgId, 'ip', ip, MAX_FAILURES_PER_IP)]);
    return Math.max(...waits);
  }

  async recordFailure(orgId: string, email: string, ip: string): Promise<void> {
    await this.dataSource.query(`INSERT INTO login_failures (org_id, email, ip) VALUES ($1, $2, $3)`, [orgId, email, ip]);
    await this.dataSource.query(`DELETE FROM login_failures WHERE org_id = $1 AND at < now() - interval '1 day'`, [orgId]);
  }

  /** A successful sign-in forgives the email's failures (not the address's). */
  async clearEmail(orgId: string, email: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM login_failures WHERE org_id = $1 AND email = $2`, [orgId, email]);
  }

  /** Throttled until the max-th most recent failure leaves the window. */
  private async wait(orgId: string, column: 'email' | 'ip', value: string, max: number): Promise<number> {
    const [row]: Array<{ seconds: number }> = await this.dataSource.query(
      `SELECT ceil(extract(epoch FROM (at + interval '${LOGIN_WINDOW_MINUTES} minutes' - now())))::int AS seconds
       FROM login_failures WHERE org_id = $1 AND ${column} = $2 AND at > now() - interval '${LOGIN_WINDOW_MINUTES} minutes'
       ORDER BY at DESC OFFSET $3 LIMIT 1`,
      [orgId, value, max - 1],
    );
    return row ? Math.max(1, row.seconds) : 0;
  }
}
