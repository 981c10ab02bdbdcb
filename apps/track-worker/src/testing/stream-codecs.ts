import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The codec of the first audio and the first video stream of a file, where it has one. */
export async function streamCodecs(path: string): Promise<{ audio?: string; video?: string }> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'stream=codec_type,codec_name',
    '-of',
    'json',
    path,
  ]);
  const parsed = JSON.parse(stdout) as { streams?: { codec_type?: string; codec_name?: string }[] };
  const codecs: { audio?: string; video?: string } = {};
  for (const s of parsed.streams ?? []) {
    if ((s.codec_type === 'audio' || s.codec_type === 'video') && !codecs[s.codec_type]) {
      codecs[s.codec_type] = s.codec_name ?? '';
    }
  }
  return codecs;
}
