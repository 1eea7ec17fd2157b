/**
 * WeCom's rules for media an agent sends (media/upload, protocol §4.3): which message type a MIME type goes
 * out as, and the size each type may have. Also MIME ↔ file-name guesses for both directions.
 */
import type { MediaInfo } from '../protocol';

export type MediaKind = MediaInfo['type'];

const MB = 1024 * 1024;
export const MEDIA_RULES: Record<MediaKind, { max: number; rule: string }> = {
  image: { max: 10 * MB, rule: 'image ≤ 10 MB (JPG/PNG)' },
  voice: { max: 2 * MB, rule: 'voice ≤ 2 MB (AMR)' },
  video: { max: 10 * MB, rule: 'video ≤ 10 MB (MP4)' },
  file: { max: 20 * MB, rule: 'file ≤ 20 MB' },
};
/** Every upload must be larger than this many bytes. */
export const MIN_MEDIA_BYTES = 6;

const EXT_MIME: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  amr: 'audio/amr',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
  pdf: 'application/pdf',
  txt: 'text/plain',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  zip: 'application/zip',
};
const KIND_MIME: Record<MediaKind, string> = { image: 'image/jpeg', voice: 'audio/amr', video: 'video/mp4', file: 'application/octet-stream' };
const KIND_EXT: Record<MediaKind, string> = { image: 'jpg', voice: 'amr', video: 'mp4', file: 'bin' };

/** The message type a MIME type is sent as. */
export function kindOf(mime: string): MediaKind {
  const m = mime.toLowerCase();
  if (m === 'image/jpeg' || m === 'image/jpg' || m === 'image/png') return 'image';
  if (m === 'audio/amr') return 'voice';
  if (m === 'video/mp4') return 'video';
  return 'file';
}

export function mimeOfName(name: string | undefined): string | undefined {
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(name ?? '')?.[1]?.toLowerCase();
  return ext ? EXT_MIME[ext] : undefined;
}

export function defaultMime(kind: MediaKind, format?: string): string {
  if (kind === 'voice' && format && format.toLowerCase() !== 'amr') return `audio/${format.toLowerCase()}`;
  return KIND_MIME[kind];
}

export function defaultName(kind: MediaKind, mime?: string): string {
  const ext = Object.entries(EXT_MIME).find(([, m]) => m === mime)?.[0] ?? KIND_EXT[kind];
  return `${kind}.${ext}`;
}

/** null when `size` bytes of `kind` may be sent, else the rule that is broken. */
export function brokenRule(kind: MediaKind, size: number): string | null {
  if (size < MIN_MEDIA_BYTES) return 'media > 5 bytes';
  return size > MEDIA_RULES[kind].max ? MEDIA_RULES[kind].rule : null;
}

export function formatMb(bytes: number): string {
  return `${Math.round((bytes / MB) * 10) / 10} MB`;
}
