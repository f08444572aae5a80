// The words of a `postern queue` or `postern quarantine` command, as the control socket carries
// them: ACTION [ID] [--json], the action one of a known list (list when none is given).

export type AdminCommand<A extends string> = { ok: true; action: A; id?: string; json: boolean } | { ok: false; message: string };

export function parseAdminCommand<A extends string>(args: readonly string[], actions: readonly A[], noun: string): AdminCommand<A> {
  const [action = 'list', ...rest] = args;
  if (!(actions as readonly string[]).includes(action)) return { ok: false, message: `unknown ${noun} action "${action}"; expected one of ${actions.join(', ')}` };
  const id = rest.find((a) => a !== '--json');
  return { ok: true, action: action as A, json: rest.includes('--json'), ...(id === undefined ? {} : { id }) };
}
