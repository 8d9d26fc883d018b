/**
 * Files the plugin writes (the debug log, the lane state file) and files it reads from a checkout (agent
 * files), handled as untrusted: written 0600 in a folder the user owns, never through a symlink; read
 * only when they are regular files, and never more than the limit plus one byte, whatever `stat` says
 * (a symlink to /proc/kallsyms has size 0 and reads 5 MB; a FIFO blocks a plain read forever).
 */
import { closeSync, constants, fstatSync, mkdirSync, openSync, promises as fsp, readSync, statSync, type Stats } from "node:fs";

/** `O_NOFOLLOW` where the platform has it (not on Windows, where symlinks need privileges anyway). */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const NONBLOCK = constants.O_NONBLOCK ?? 0;

const uid = (): number | undefined => (typeof process.getuid === "function" ? process.getuid() : undefined);

/** Why a folder may not hold the plugin's files, or `undefined` when it may. */
function folderProblem(dir: string, st: Stats): string | undefined {
  if (!st.isDirectory()) return `${dir} is not a folder`;
  const me = uid();
  if (me !== undefined && st.uid !== me && st.uid !== 0) return `the folder ${dir} belongs to another user (uid ${st.uid})`;
  // Writable by others without the sticky bit: anyone could swap the files in it.
  if ((st.mode & 0o002) !== 0 && (st.mode & 0o1000) === 0) return `the folder ${dir} is writable by every user`;
  return undefined;
}

/**
 * Makes `dir` (0700 where it is created) and checks that it may hold private files: a folder, the user's
 * (or root's, for system folders on the way), not writable by everyone. Throws an Error saying what is
 * wrong.
 */
export function ownedFolder(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const problem = folderProblem(dir, statSync(dir));
  if (problem) throw new Error(`${problem}; refusing to write there`);
}

/** The same, for code that must not block. */
export async function ownedFolderAsync(dir: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  const problem = folderProblem(dir, await fsp.stat(dir));
  if (problem) throw new Error(`${problem}; refusing to write there`);
}

/**
 * Appends `text` to `file`, created 0600; a symlink at `file` is refused (ELOOP), and so is anything but
 * a regular file of the user's.
 */
export async function appendPrivate(file: string, text: string): Promise<void> {
  const handle = await fsp.open(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NOFOLLOW | NONBLOCK, 0o600);
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new Error(`${file} is not a regular file`);
    const me = uid();
    if (me !== undefined && st.uid !== me) throw new Error(`${file} belongs to another user (uid ${st.uid})`);
    await handle.appendFile(text, "utf8");
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** What kind of thing a non-regular file is, for the message. */
function kindOf(st: Stats): string {
  if (st.isFIFO()) return "a FIFO";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  if (st.isSocket()) return "a socket";
  if (st.isDirectory()) return "a folder";
  return "not a regular file";
}

/** Refuses anything but a regular file, naming what it is. */
function mustBeRegular(file: string, st: Stats): void {
  if (!st.isFile()) throw new Error(`${file} is ${kindOf(st)}, not a regular file`);
}

/** The text of what was read, or {@link TooLargeError} when the byte past the limit came. */
function decoded(buffer: Buffer, length: number, file: string, limit: number): string {
  if (length > limit) throw new TooLargeError(file, limit);
  return buffer.toString("utf8", 0, length);
}

/** Thrown when a file is over the limit. */
export class TooLargeError extends Error {
  constructor(
    readonly file: string,
    readonly limit: number,
  ) {
    super(`${file} is over the ${limit}-byte limit`);
  }
}

/**
 * Reads a regular file as UTF-8, at most `limit` bytes: it reads `limit + 1` and throws
 * {@link TooLargeError} when that last byte comes. A FIFO, a device or a socket is refused before any
 * read (opened non-blocking, checked with `fstat` on the open descriptor, so a swap after a `stat` does
 * not help).
 */
export async function readBounded(file: string, limit: number): Promise<string> {
  const handle = await fsp.open(file, constants.O_RDONLY | NONBLOCK);
  try {
    mustBeRegular(file, await handle.stat());
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return decoded(buffer, length, file, limit);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** {@link readBounded}, synchronous (the CLI). */
export function readBoundedSync(file: string, limit: number): string {
  const fd = openSync(file, constants.O_RDONLY | NONBLOCK);
  try {
    mustBeRegular(file, fstatSync(fd));
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    while (length < buffer.length) {
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return decoded(buffer, length, file, limit);
  } finally {
    closeSync(fd);
  }
}
