/**
 * Whether the CPU has VNNI (8-bit dot products into 32-bit sums), read from the kernel's flags.
 * OpenVINO's CPU plugin quantizes activations dynamically only on avx2_vnni or avx512_core_vnni
 * (oneDNN's names for Linux's `avx_vnni` and `avx512_vnni`), and int8 kernels without VNNI run
 * no faster than fp32 (docs/benchmarks.md). OpenVINO's own `OPTIMIZATION_CAPABILITIES` lists
 * INT8 on any x86 CPU, so it cannot tell.
 */
import { readFileSync } from 'node:fs';

const VNNI_FLAGS = ['avx_vnni', 'avx512_vnni'];

/** @returns null where `cpuinfoPath` cannot be read or lists no flags (not Linux x86) */
export function cpuHasVnni(cpuinfoPath = '/proc/cpuinfo'): boolean | null {
  let text: string;
  try {
    text = readFileSync(cpuinfoPath, 'utf8');
  } catch {
    return null;
  }
  const line = text.split('\n').find((l) => /^flags\s*:/.test(l));
  if (line === undefined) return null;
  const flags = new Set(
    line
      .slice(line.indexOf(':') + 1)
      .trim()
      .split(/\s+/),
  );
  return VNNI_FLAGS.some((flag) => flags.has(flag));
}
