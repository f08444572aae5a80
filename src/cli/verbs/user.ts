// `postern user add|passwd|del|list`: manages the users file of the `file` directory backend.
// Passwords never come from the command line (they would show in ps and shell history):
// from stdin when it is not a terminal, else typed twice without echo.
import { hashPassword } from '../../directory/password-hash.ts';
import { UserEditError, UserFileEditor } from '../../directory/user-file-editor.ts';
import { UserFileError } from '../../directory/user-file.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError, type VerbHelp } from '../usage.ts';

export const USER_HELP: VerbHelp = {
  usage: 'postern user add|passwd|del ADDRESS [--file PATH] | postern user list [--file PATH]',
  summary: 'manage the users of a file directory backend (SMTP AUTH)',
  details:
    'add ADDRESS     add a user; the password is read from stdin when it is not a terminal, else typed twice\n' +
    'passwd ADDRESS  set a new password for a user (read the same way)\n' +
    'del ADDRESS     remove a user and its aliases\n' +
    'list            print the users, one a line, with their aliases\n' +
    '--file PATH     the users file (YAML); add creates it (mode 0600) when missing. Default: the first\n' +
    '                `file` backend in directory.backends of the configuration (--config)\n' +
    'The file is rewritten atomically with its comments and other entries kept; a running Postern picks up the change.',
};

/** args: the words after "user"; file: the --file option, or the configuration's users file. */
export async function userVerb(args: string[], file: string): Promise<number> {
  const [sub, address, ...extra] = args;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"; see "postern help user"`);
  const needsAddress = sub === 'add' || sub === 'passwd' || sub === 'del';
  if (!needsAddress && sub !== 'list') throw new UsageError(`unknown user verb ${sub ? `"${sub}"` : '(none given)'}; expected add, passwd, del or list`);
  if (needsAddress !== (address !== undefined)) throw new UsageError(`usage: ${USER_HELP.usage}`);

  try {
    const editor = UserFileEditor.open(file, sub === 'add');
    switch (sub) {
      case 'list':
        for (const user of editor.table.users.values()) process.stdout.write(`${[user.address, ...user.aliases].join(' ')}\n`);
        return EXIT_OK;
      case 'del':
        editor.remove(address as string);
        break;
      case 'add':
        editor.add(address as string, await hashPassword(await readNewPassword()));
        break;
      case 'passwd':
        editor.setPassword(address as string, await hashPassword(await readNewPassword()));
        break;
    }
    await editor.save();
    process.stderr.write(`postern: ${file}: ${sub === 'del' ? 'removed' : sub === 'add' ? 'added' : 'password changed for'} ${address}\n`);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof UserEditError || err instanceof UserFileError || (err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EACCES') {
      process.stderr.write(`postern: ${(err as Error).message}\n`);
      return EXIT_FAILURE;
    }
    throw err;
  }
}

async function readNewPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const password = (await readAll(process.stdin)).replace(/\r?\n$/, '');
    if (password.includes('\n')) throw new UserEditError('the password on stdin must be one line');
    return nonEmpty(password);
  }
  const first = nonEmpty(await readHidden('New password: '));
  if ((await readHidden('Retype new password: ')) !== first) throw new UserEditError('the passwords do not match; nothing changed');
  return first;
}

function nonEmpty(password: string): string {
  if (password.length === 0) throw new UserEditError('empty password refused');
  return password;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

/** One line from the terminal in raw mode, so the typed characters are not echoed. */
function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((done, fail) => {
    let line = '';
    const finish = (result: () => void) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      result();
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish(() => done(line));
        if (char === '\u0003' || char === '\u0004') return finish(() => fail(new UserEditError('cancelled; nothing changed')));
        if (char === '\u007f' || char === '\b') line = line.slice(0, -1);
        else line += char;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
