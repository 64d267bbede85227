import type { CommandIo } from '../../src/commands/io';
import { StatusLine } from '../../src/status-line';

/** A {@link CommandIo} that records what a command printed, for running commands in-process. */
export function recordingIo(
  signal: AbortSignal = new AbortController().signal,
): CommandIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (text: string) => {
      io.out += text;
    },
    stderr: (text: string) => {
      io.err += text;
    },
    status: new StatusLine((text) => {
      io.err += text;
    }, false),
    signal,
  };
  return io;
}
