/**
 * Where call recordings go, and what can be done with them afterwards.
 *
 *   call.record ──▶ Recordings.newFile(call) ──▶ <folder>/<started>-<call id>[-n].wav|.opus
 *                        │                          (PhoneCall's TwoWayRecorder writes it)
 *                        └──▶ CallHistory.recorded ──▶ the History entry lists the file
 *   recording.open / reveal / delete {historyId, path} ──▶ only a file that entry lists
 *
 * The folder is, in order: the engine's override (the CLI's
 * --recordings-dir), the `recordingsFolder` setting, or `recordings` in
 * the data folder. It is created on first use with mode 0700 (a call's
 * audio is private); a folder that cannot be created or written is refused
 * when the setting is changed, with words, rather than at the first call.
 * Files are named by the call's start and id and never overwrite one
 * another (a second recording of the same call gets "-2").
 *
 * Opening and showing a file go through the desktop shell (Electron's
 * shell.openPath / showItemInFolder); a phone without one (CLI, web host)
 * answers `unavailable` with the path.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { RecordingFileParams } from '../api/recording-api.ts';
import type { RecordingApi } from '../api/phone-api.ts';
import { ApiError } from '../api/errors.ts';
import type { RecordingFormat, RecordingLink } from '../api/snapshots.ts';
import type { Logger } from '../common/logger.ts';
import { RECORDING_EXTENSIONS } from '../media/devices/recording-file.ts';
import type { PhoneStore } from './store/phone-store.ts';

/** What the desktop app lends the phone to open files (Electron's `shell`). */
export interface DesktopShell {
  /** Resolves with '' on success, or the system's error message. */
  openPath(path: string): Promise<string>;
  showItemInFolder(path: string): void;
}

export interface RecordingsDeps {
  store: PhoneStore;
  dataDir: string;
  /** Wins over the setting for this run (the CLI's --recordings-dir). */
  folderOverride?: string;
  shell?: DesktopShell;
  logger: Logger;
}

/** The links of a History entry's files, with their sizes (absent: the file is gone). */
export function recordingLinks(paths: readonly string[]): RecordingLink[] {
  return paths.map((path) => {
    const link: RecordingLink = { path, format: extname(path).toLowerCase() === '.opus' ? 'opus' : 'wav' };
    try {
      link.bytes = statSync(path).size;
    } catch {
      // Moved or deleted outside Parley: the link stays, without a size.
    }
    return link;
  });
}

/** Creates the folder if needed (private to the user) and checks we can write in it; throws an ApiError in words. */
export function prepareRecordingsFolder(folder: string): void {
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    accessSync(folder, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOTDIR' || code === 'EEXIST' ? 'a file of that name is in the way' : code === 'EROFS' ? 'the disk is read-only' : (e as Error).message;
    throw new ApiError('bad-request', `recordings cannot be written to ${folder}: ${why}`, { issues: [{ path: 'recordingsFolder', message: why }] });
  }
}

export class Recordings {
  readonly #d: RecordingsDeps;

  constructor(deps: RecordingsDeps) {
    this.#d = deps;
  }

  /** The folder new recordings go to. */
  folder(): string {
    return this.#d.folderOverride ?? this.#d.store.settings.get('recordingsFolder') ?? join(this.#d.dataDir, 'recordings');
  }

  format(): RecordingFormat {
    return this.#d.store.settings.get('recordingFormat');
  }

  /** A new file for a call's recording (the folder made ready); never one that exists. */
  newFile(call: { id: string; startedAt: number }, format: RecordingFormat): string {
    const folder = this.folder();
    prepareRecordingsFolder(folder);
    const stamp = new Date(call.startedAt).toISOString().replace(/[:.]/g, '-');
    const base = join(folder, `${stamp}-${call.id}`);
    const ext = RECORDING_EXTENSIONS[format];
    for (let n = 1; n <= 100; n++) {
      const path = n === 1 ? `${base}${ext}` : `${base}-${n}${ext}`;
      if (!existsSync(path)) return path;
    }
    throw new ApiError('conflict', 'this call has been recorded 100 times already');
  }

  readonly api: RecordingApi = {
    'recording.open': async (p) => {
      const path = this.#listed(p);
      const shell = this.#shell(path);
      const error = await shell.openPath(path);
      if (error) throw new ApiError('unavailable', `the recording could not be opened: ${error}`);
      return null;
    },
    'recording.reveal': async (p) => {
      const path = this.#listed(p);
      this.#shell(path).showItemInFolder(path);
      return null;
    },
    'recording.delete': async (p) => {
      const path = this.#listed(p);
      try {
        unlinkSync(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new ApiError('unavailable', `the recording could not be deleted: ${(e as Error).message}`);
      }
      const id = Number(p.historyId);
      const entry = this.#d.store.history.require(id);
      this.#d.store.history.update(id, { recordings: entry.recordings.filter((r) => r !== path) });
      this.#d.logger.info('recording deleted', { historyId: p.historyId, path });
      return null;
    },
  };

  /** The path, if the entry lists it; anything else is refused (no client opens or deletes other files). */
  #listed(p: RecordingFileParams): string {
    const id = Number(p.historyId);
    const entry = Number.isSafeInteger(id) && id > 0 ? this.#d.store.history.get(id) : undefined;
    if (!entry) throw new ApiError('not-found', `no history entry with id ${p.historyId}`);
    if (!entry.recordings.includes(p.path)) throw new ApiError('not-found', 'that call has no such recording');
    return p.path;
  }

  #shell(path: string): DesktopShell {
    if (this.#d.shell) return this.#d.shell;
    throw new ApiError('unavailable', `opening files needs the desktop app; the recording is ${path}`);
  }
}
