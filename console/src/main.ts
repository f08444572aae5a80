// The web console: sign in with the admin token, then the queue, the quarantine, the delivery log and the
// activity charts, each refreshed when shown and every 15 seconds while shown.
import { SignInNeeded, token } from './api.ts';
import { h, show } from './dom.ts';
import { noticeArea, notify } from './notice.ts';
import { activityView } from './views/activity.ts';
import { deliveriesView } from './views/deliveries.ts';
import { quarantineView } from './views/quarantine.ts';
import { queueView } from './views/queue.ts';

type ViewName = 'queue' | 'quarantine' | 'deliveries' | 'activity';
const VIEWS: Record<ViewName, { title: string; build: (root: HTMLElement) => () => Promise<void> }> = {
  queue: { title: 'Queue', build: queueView },
  quarantine: { title: 'Quarantine', build: quarantineView },
  deliveries: { title: 'Delivery log', build: deliveriesView },
  activity: { title: 'Activity', build: activityView },
};
const REFRESH_MS = 15_000;

const app = document.getElementById('app')!;
let timer: number | undefined;

function signIn(message = ''): void {
  window.clearInterval(timer);
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'current-password', required: true, 'aria-label': 'admin token' });
  show(
    app,
    h(
      'form',
      { class: 'sign-in', onsubmit: (e: Event) => (e.preventDefault(), token.set(input.value.trim()), start()) },
      h('h1', {}, 'Postern'),
      h('label', {}, 'Admin token ', input),
      h('button', { type: 'submit' }, 'Sign in'),
      message ? h('p', { class: 'error' }, message) : null,
    ),
  );
  input.focus();
}

async function run(refresh: () => Promise<void>): Promise<void> {
  try {
    await refresh();
  } catch (err) {
    if (err instanceof SignInNeeded) return signIn(err.message);
    notify(`could not load: ${(err as Error).message}`, false);
  }
}

function start(view: ViewName = (location.hash.slice(1) as ViewName) in VIEWS ? (location.hash.slice(1) as ViewName) : 'queue'): void {
  window.clearInterval(timer);
  const main = h('main', {});
  const nav = h(
    'nav',
    {},
    ...Object.entries(VIEWS).map(([name, v]) => h('a', { href: `#${name}`, class: name === view ? 'current' : undefined, onclick: (e: Event) => (e.preventDefault(), (location.hash = name), start(name as ViewName)) }, v.title)),
    h('button', { type: 'button', class: 'link', onclick: () => (token.clear(), signIn()) }, 'Sign out'),
  );
  show(app, h('header', {}, h('h1', {}, 'Postern'), nav), noticeArea(), main);
  const refresh = VIEWS[view].build(main);
  void run(refresh);
  timer = window.setInterval(() => void run(refresh), REFRESH_MS);
}

if (token.get()) start();
else signIn();
