// Rate limits per client address and per authenticated user (policy.rateLimits): connections a
// minute (counted at connect for an address, at the session's first MAIL for a user, and
// answered 421 4.7.0, which ends the session), messages an hour (MAIL, 451 4.7.1) and
// recipients an hour (RCPT, 451 4.7.1). Sessions from relay.networks are exempt unless the
// configuration says otherwise. Counters live in this process only and start afresh on reload.
import { CONTINUE, type MailContext, type RcptContext, type SessionContext, type SmtpCheck, type Verdict } from './check.ts';
import { RateWindow } from './rate-window.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** Each limit is events per its window; 0 is no limit. */
export interface RateLimits {
  connectionsPerMinute: number;
  messagesPerHour: number;
  recipientsPerHour: number;
}

export interface RateLimitOptions {
  /** For sessions that have not authenticated, keyed by client address. */
  client: RateLimits;
  /** For authenticated sessions, keyed by user. */
  user: RateLimits;
  exemptTrusted: boolean;
  now?: () => number;
}

interface Windows {
  connections?: RateWindow;
  messages?: RateWindow;
  recipients?: RateWindow;
}

function windowsOf(limits: RateLimits): Windows {
  const window = (windowMs: number, limit: number) => (limit > 0 ? new RateWindow(windowMs, limit) : undefined);
  return { connections: window(MINUTE, limits.connectionsPerMinute), messages: window(HOUR, limits.messagesPerHour), recipients: window(HOUR, limits.recipientsPerHour) };
}

export function rateLimitCheck(options: RateLimitOptions): SmtpCheck {
  const now = options.now ?? Date.now;
  const client = windowsOf(options.client);
  const user = windowsOf(options.user);
  const exempt = (ctx: SessionContext) => options.exemptTrusted && ctx.trusted;
  /** Whom the session counts against: its user once authenticated, its address before. */
  const counted = (ctx: SessionContext) => (ctx.client.authUser === undefined ? { windows: client, key: ctx.client.address, who: ctx.client.address } : { windows: user, key: ctx.client.authUser, who: `user ${ctx.client.authUser}` });
  return {
    name: 'rate-limit',
    connect(ctx: SessionContext): Verdict {
      if (exempt(ctx) || client.connections?.take(ctx.client.address, now()) !== false) return CONTINUE;
      return { kind: 'defer', code: 421, enhanced: '4.7.0', text: `Error: too many connections from ${ctx.client.address}; try again later` };
    },
    mail(ctx: MailContext): Verdict {
      if (exempt(ctx)) return CONTINUE;
      const login = ctx.client.authUser;
      // A user's connection is counted once per session, at its first message.
      if (login !== undefined && ctx.results.get('rate-limit:user-session') !== login) {
        ctx.results.set('rate-limit:user-session', login);
        if (user.connections?.take(login, now()) === false) return { kind: 'defer', code: 421, enhanced: '4.7.0', text: `Error: too many connections from user ${login}; try again later` };
      }
      const { windows, key, who } = counted(ctx);
      if (windows.messages?.take(key, now()) === false) return { kind: 'defer', code: 451, enhanced: '4.7.1', text: `Error: too many messages from ${who}; try again later` };
      return CONTINUE;
    },
    rcpt(ctx: RcptContext): Verdict {
      if (exempt(ctx)) return CONTINUE;
      const { windows, key, who } = counted(ctx);
      if (windows.recipients?.take(key, now()) === false) return { kind: 'defer', code: 451, enhanced: '4.7.1', text: `Error: too many recipients from ${who}; try again later` };
      return CONTINUE;
    },
  };
}
