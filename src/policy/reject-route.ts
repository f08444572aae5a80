// Recipients whose domain has a `reject` route are refused at RCPT, so that nothing is accepted
// only to bounce later (a bounce to a forged sender is backscatter).
import { routeFor, type Routes } from '../config/sections/routes.ts';
import { CONTINUE, type RcptContext, type SmtpCheck, type Verdict } from './check.ts';

export function rejectRouteCheck(routes: Routes): SmtpCheck {
  return {
    name: 'route',
    rcpt(ctx: RcptContext): Verdict {
      const address = ctx.recipient.address;
      const route = routeFor(routes, address.slice(address.lastIndexOf('@') + 1));
      return route?.type === 'reject' ? { kind: 'reject', code: 550, enhanced: '5.7.1', text: route.message } : CONTINUE;
    },
  };
}
