import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ChecksumError } from './checksum.js';

/** What was checked of one file: its SHA-256 (of the decompressed bytes) when it had this size and modification time. */
interface VerifiedEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

type VerifiedRecord = Record<string, VerifiedEntry>;

const RECORD_NAME = 'verified.json';

/**
 * Remembers, in `<cacheDir>/verified.json`, the size and modification time at which each local file
 * was found to have its expected checksum, so that the check is paid once, not on every run.
 */
export class VerifiedFiles {
  private constructor(
    private readonly recordPath: string,
    private readonly record: VerifiedRecord,
  ) {}

  static async open(cacheDir: string): Promise<VerifiedFiles> {
    const recordPath = join(cacheDir, RECORD_NAME);
    let record: VerifiedRecord = {};
    try {
      const parsed: unknown = JSON.parse(await readFile(recordPath, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) record = parsed as VerifiedRecord;
    } catch {
      // No record yet, or an unreadable one: every file is checked again.
    }
    return new VerifiedFiles(recordPath, record);
  }

  /** Whether `path`, as it is now (`stats`), was already found to have `sha256`. */
  isVerified(path: string, stats: Stats, sha256: string): boolean {
    const entry = this.record[resolve(path)];
    return entry !== undefined && entry.size === stats.size && entry.mtimeMs === stats.mtimeMs && entry.sha256 === sha256;
  }

  /**
   * Hashes `data` (the file's decompressed bytes) and throws a `ChecksumError` unless it is
   * `sha256`; a match is remembered under the file's size and modification time.
   */
  check(path: string, stats: Stats, data: Uint8Array, sha256: string): void {
    const actual = createHash('sha256').update(data).digest('hex');
    if (actual !== sha256) throw new ChecksumError(path, actual, sha256);
    this.record[resolve(path)] = { size: stats.size, mtimeMs: stats.mtimeMs, sha256 };
  }

  /** Writes the record (through a temporary file); a cache that cannot be written only costs a check next time. */
  async save(): Promise<void> {
    const temporary = `${this.recordPath}.tmp-${process.pid}`;
    try {
      await mkdir(join(this.recordPath, '..'), { recursive: true });
      await writeFile(temporary, `${JSON.stringify(this.record, null, 2)}\n`);
      await rename(temporary, this.recordPath);
    } catch {
      // Read-only cache directory: nothing lost but time.
      await rm(temporary, { force: true }).catch(() => undefined);
    }
  }
}
