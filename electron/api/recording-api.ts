/**
 * Call recordings after the call: each History entry lists the files its
 * call was recorded into (`HistoryEntry.recordings`), and these commands
 * act on one of them — open it in the system's player, show it in its
 * folder, or delete it. A command names the entry and the file; a file the
 * entry does not list is refused, so no client can open or delete any other
 * path through them. Opening and showing need the desktop app (the system's
 * shell); elsewhere they answer `unavailable` with the file's path.
 *
 * Where recordings go and in which format are settings (`recordingsFolder`,
 * `recordingFormat` in `Settings`); a call is recorded with `call.record`.
 *
 * Types only from snapshots.ts: the renderer compiles this file with DOM types and no Node.
 */

export interface RecordingFileParams {
  /** The History entry's id (history.list). */
  historyId: string;
  /** One of the entry's `recordings[].path`. */
  path: string;
}

type Cmd<P, R> = { params: P; result: R };

export interface RecordingCommands {
  /** Opens the recording in the system's default player (desktop app only). */
  'recording.open': Cmd<RecordingFileParams, null>;
  /** Shows the recording selected in its folder (desktop app only). */
  'recording.reveal': Cmd<RecordingFileParams, null>;
  /** Deletes the file and its link from the entry (a file already gone just loses its link). */
  'recording.delete': Cmd<RecordingFileParams, null>;
}

export const RECORDING_COMMAND_NAMES = ['recording.open', 'recording.reveal', 'recording.delete'] as const satisfies readonly (keyof RecordingCommands)[];

const allListed: Exclude<keyof RecordingCommands, (typeof RECORDING_COMMAND_NAMES)[number]> extends never ? true : false = true;
void allListed;
