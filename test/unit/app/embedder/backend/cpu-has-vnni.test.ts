/**
 * VNNI detection from /proc/cpuinfo's flags: it decides whether /info can say that OpenVINO's
 * dynamic quantization may run, so a wrong answer misleads whoever reads a benchmark.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpuHasVnni } from '../../../../../app/embedder/src/backend/cpu-has-vnni.js';

const dir = mkdtempSync(join(tmpdir(), 'meshrag-cpuinfo-'));
const cpuinfo = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('cpuHasVnni', () => {
  it('finds AVX-512 VNNI and AVX-VNNI in the flags line', () => {
    const avx512 = cpuinfo(
      'avx512',
      'processor\t: 0\nmodel name\t: Xeon\nflags\t\t: fpu sse avx2 avx512f avx512_vnni amx_int8\n',
    );
    expect(cpuHasVnni(avx512)).toBe(true);
    expect(cpuHasVnni(cpuinfo('avxvnni', 'flags\t: fpu avx2 avx_vnni\n'))).toBe(true);
  });

  it('fails to find it on AVX2 alone, whatever other flags merely contain "vnni"', () => {
    const epyc = cpuinfo(
      'epyc',
      'model name\t: AMD EPYC\nflags\t\t: fpu avx avx2 fma avx_vnni_int8x\n',
    );
    expect(cpuHasVnni(epyc)).toBe(false);
  });

  it('says null where it cannot tell: no file, or no flags line', () => {
    expect(cpuHasVnni(join(dir, 'absent'))).toBeNull();
    expect(cpuHasVnni(cpuinfo('arm', 'processor\t: 0\nFeatures\t: fp asimd\n'))).toBeNull();
  });
});
