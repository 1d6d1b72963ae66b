// Short human reasons for file-system errors in diagnostics ("no such file" rather than ENOENT).
const REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a parent is not a folder',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  EEXIST: 'it already exists',
};

export function describeIoError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return (err?.code && REASONS[err.code]) ?? err?.code ?? err?.message ?? String(e);
}
