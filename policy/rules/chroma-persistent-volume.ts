import { asArray, asRecord, asString } from '../../analysis/reachability/manifest-object.js';
import { containersOf, describe, isWorkload, podSpecOf } from '../k8s-objects.js';
import { finding, type PolicyRule, type RuleFinding } from '../policy-rule.js';

/** `chromadb/chroma:1.0.0`, `ghcr.io/chroma-core/chroma@sha256:...` → a Chroma server image. */
export function isChromaImage(image: string): boolean {
  const repository = (image.split('@')[0] ?? image).replace(/:[^/]*$/, '');
  return repository.split('/').pop() === 'chroma';
}

/** Chroma keeps its data on a PersistentVolumeClaim. */
export const chromaPersistentVolume: PolicyRule = {
  id: 'chroma-persistent-volume',
  title: 'Chroma has a PersistentVolumeClaim',
  severity: 'mandatory',
  why: 'Chroma writes its index and SQLite store to disk; on an emptyDir (or the container filesystem) a rescheduled pod starts empty and every vector is lost until all documents are re-ingested.',
  fix: 'Run Chroma as ChromaDb does: a StatefulSet with a volumeClaimTemplate mounted at its --path.',
  scope: 'object',
  check(objects) {
    const findings: RuleFinding[] = [];
    for (const w of objects.filter(isWorkload)) {
      const pod = podSpecOf(w);
      const chroma = containersOf(pod).filter((c) => isChromaImage(asString(c.spec.image) ?? ''));
      if (chroma.length === 0) continue;
      const claims = new Set<string>([
        ...asArray(asRecord(w.spec).volumeClaimTemplates).map(
          (t) => asString(asRecord(asRecord(t).metadata).name) ?? '',
        ),
        ...asArray(pod.volumes)
          .filter((v) => asRecord(v).persistentVolumeClaim !== undefined)
          .map((v) => asString(asRecord(v).name) ?? ''),
      ]);
      for (const c of chroma) {
        const mounted = asArray(c.spec.volumeMounts).some((m) =>
          claims.has(asString(asRecord(m).name) ?? ''),
        );
        if (!mounted) {
          findings.push(
            finding(
              w,
              `${describe(w)} runs Chroma in container '${c.name}' with no PersistentVolumeClaim mounted`,
            ),
          );
        }
      }
    }
    return findings;
  },
};
