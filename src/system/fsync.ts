import { open } from 'node:fs/promises';

/** fsync a file or a folder by path (a folder's fsync makes the renames into it durable). */
export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
