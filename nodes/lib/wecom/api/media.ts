/** Temporary media upload (`media/upload`, multipart field `media`) from a Buffer or a file path. */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { FormData } from 'undici';
import type { ApiClient } from './client';

export type MediaType = 'image' | 'voice' | 'video' | 'file';

const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.amr': 'audio/amr',
  '.mp4': 'video/mp4',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
};

export interface MediaSource {
  /** The bytes, or a path to read them from. */
  data?: Buffer | Uint8Array;
  path?: string;
  /** Shown to the user as the file name. */
  filename?: string;
  contentType?: string;
}

export interface Uploaded {
  mediaId: string;
  type: MediaType;
  createdAt: string;
}

export async function uploadMedia(client: ApiClient, type: MediaType, src: MediaSource): Promise<Uploaded> {
  let bytes: Buffer;
  if (src.data) bytes = Buffer.from(src.data);
  else if (src.path) bytes = await readFile(src.path);
  else throw new TypeError('media needs a Buffer or a file path');
  const filename = src.filename || (src.path ? basename(src.path) : `${type}${defaultExt(type)}`);
  const contentType = src.contentType || CONTENT_TYPES[extname(filename).toLowerCase()] || 'application/octet-stream';
  const ans = await client.call('media/upload', {
    method: 'POST',
    query: { type },
    form: () => {
      const fd = new FormData();
      fd.append('media', new Blob([new Uint8Array(bytes)], { type: contentType }), filename);
      return fd;
    },
  });
  return { mediaId: String(ans.media_id ?? ''), type, createdAt: String(ans.created_at ?? '') };
}

function defaultExt(type: MediaType): string {
  return type === 'image' ? '.png' : type === 'voice' ? '.amr' : type === 'video' ? '.mp4' : '.bin';
}
